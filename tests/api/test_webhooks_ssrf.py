"""Server-side request forgery (api/webhooks/ssrf.py): an endpoint's URL is refused when it is
saved, and again at every delivery, when its host resolves to an address that is not public
(loopback, private, link-local with the metadata service, CGNAT, IPv6 forms of those, …), when
it is plain http in production, or carries credentials; and the delivery connects to the
address that was checked, so a DNS answer that changes in between reaches nothing inside.
``socket.getaddrinfo`` is replaced to play the DNS."""

import datetime as dt
import ipaddress
import socket
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.db import transaction
from django.utils import timezone

from accounts.constants import Rol
from api.constants import SUBSCRIBABLE, DeliveryStatus
from api.models import WebhookAttempt, WebhookEndpoint
from api.webhooks import services, ssrf, transport
from api.webhooks.delivery import deliver_due
from ketenportal.exceptions import DomainError
from tests.factories import LidmaatschapFactory, OrganisatieFactory

from .webhook_receiver import FakeReceiver

pytestmark = pytest.mark.django_db
REAL_GETADDRINFO = socket.getaddrinfo
PUBLIC = "93.184.215.14"  # an address on the public internet


class FakeDNS:
    """Answers for host names; IP literals go to the real resolver (which only parses them).
    ``lookups`` counts the names asked for."""

    def __init__(self, monkeypatch) -> None:
        self.answers: dict[str, list[str]] = {}
        self.lookups: list[str] = []
        monkeypatch.setattr(socket, "getaddrinfo", self)

    def __call__(self, host, port, *args, **kwargs):
        try:
            ipaddress.ip_address(host)
        except ValueError:
            self.lookups.append(host)
            if host not in self.answers:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
            return [
                (
                    socket.AF_INET6 if ":" in a else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (a, port, 0, 0) if ":" in a else (a, port),
                )
                for a in self.answers[host]
            ]
        return REAL_GETADDRINFO(host, port, *args, **kwargs)


@pytest.fixture
def dns(monkeypatch):
    return FakeDNS(monkeypatch)


@pytest.fixture
def production(settings):
    """The production rules (the test settings allow http and this machine)."""
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    settings.WEBHOOK_REQUIRE_HTTPS = True


@pytest.fixture
def kantoor(db):
    organisatie = OrganisatieFactory()
    return organisatie, LidmaatschapFactory(organisatie=organisatie, rol=Rol.BEHEERDER).user


def create(kantoor, url):
    return services.webhook_endpoint_create(
        actor=kantoor[1], organisatie=kantoor[0], url=url, events=[SUBSCRIBABLE[0].value]
    )[0]


REFUSED_ADDRESSES = [
    "127.0.0.1",
    "127.8.9.10",
    "10.0.0.5",
    "172.16.3.4",
    "192.168.1.1",
    "169.254.169.254",  # the cloud metadata service
    "100.64.0.1",  # CGNAT
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "240.0.0.1",
    "192.0.2.10",
    "198.18.0.1",
    "::1",
    "::",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "::127.0.0.1",
]


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_not_public_addresses_are_refused(address):
    assert ssrf.refusal(ipaddress.ip_address(address)), address


@pytest.mark.parametrize("address", [PUBLIC, "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address):
    assert ssrf.refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "::ffff:127.0.0.1", "100.100.1.1"],
)
def test_a_name_that_resolves_to_a_private_address_is_refused_at_save(
    production, dns, kantoor, address
):
    dns.answers["hooks.boekhouding.example"] = [address]
    with pytest.raises(DomainError) as refused:
        create(kantoor, "https://hooks.boekhouding.example/ketenportal")
    assert refused.value.code == "address" and address in str(refused.value)
    assert not WebhookEndpoint.objects.exists()


def test_one_private_address_among_public_ones_is_enough_to_refuse(production, dns, kantoor):
    dns.answers["mixed.example"] = [PUBLIC, "10.0.0.7"]
    with pytest.raises(DomainError, match="10.0.0.7"):
        create(kantoor, "https://mixed.example/hook")


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[::ffff:a9fe:a9fe]/hook",
        "https://10.0.0.1:8443/hook",
        "https://2130706433/hook",  # 127.0.0.1 as a number
        "https://0x7f000001/hook",
        "https://0177.0.0.1/hook",
    ],
)
def test_private_address_literals_are_refused_at_save(production, kantoor, url):
    with pytest.raises(DomainError) as refused:
        create(kantoor, url)
    assert refused.value.code in ("address", "dns"), refused.value.code


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://hooks.boekhouding.example/hook", "scheme"),
        ("ftp://hooks.boekhouding.example/hook", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("gopher://hooks.boekhouding.example/", "scheme"),
        ("https://user:secret@hooks.boekhouding.example/hook", "credentials"),
        ("https://user@hooks.boekhouding.example/hook", "credentials"),
        ("https:///hook", "invalid"),
        ("https://unknown-host.example/hook", "dns"),
    ],
)
def test_http_credentials_and_other_schemes_are_refused_in_production(
    production, dns, kantoor, url, code
):
    dns.answers["hooks.boekhouding.example"] = [PUBLIC]
    with pytest.raises(DomainError) as refused:
        create(kantoor, url)
    assert refused.value.code == code


def test_a_public_https_address_is_accepted_in_production(production, dns, kantoor):
    dns.answers["hooks.boekhouding.example"] = [PUBLIC]
    endpoint = create(kantoor, "https://hooks.boekhouding.example/hook")
    assert endpoint.url == "https://hooks.boekhouding.example/hook"


def test_changing_the_url_is_checked_again(production, dns, kantoor):
    dns.answers["hooks.boekhouding.example"] = [PUBLIC]
    dns.answers["intern.example"] = ["192.168.0.10"]
    endpoint = create(kantoor, "https://hooks.boekhouding.example/hook")
    with pytest.raises(DomainError):
        services.webhook_endpoint_update(
            actor=kantoor[1],
            endpoint=endpoint,
            url="https://intern.example/hook",
            omschrijving="",
            events=endpoint.events,
        )
    endpoint.refresh_from_db()
    assert endpoint.url == "https://hooks.boekhouding.example/hook"


def test_the_test_settings_allow_this_machine_and_http(kantoor):
    endpoint = create(kantoor, "http://127.0.0.1:9/hook")
    assert endpoint.pk


def test_a_name_that_turns_private_after_saving_is_refused_at_delivery(
    production, dns, kantoor, monkeypatch
):
    dns.answers["rebind.example"] = [PUBLIC]
    endpoint = create(kantoor, "https://rebind.example/hook")
    connects = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connects.append(a) or 1 / 0)
    dns.answers["rebind.example"] = ["169.254.169.254"]
    with transaction.atomic():
        services.webhook_send_test(actor=kantoor[1], endpoint=endpoint)
    assert deliver_due().retried == 1
    attempt = WebhookAttempt.objects.get()
    assert attempt.fout.startswith("address:") and "169.254.169.254" in attempt.fout
    assert attempt.status_code is None
    assert not connects  # no connection was even tried


@pytest.fixture
def receiver():
    server = FakeReceiver().start()
    yield server
    server.stop()


def test_the_delivery_connects_to_the_checked_address_and_asks_for_the_host(dns, kantoor, receiver):
    """The name is resolved once per try, by the check; the connection goes to that address,
    whatever the DNS says a moment later; the request names the host."""
    dns.answers["receiver.test"] = ["127.0.0.1"]
    endpoint = create(kantoor, f"http://receiver.test:{receiver.port}/hook")
    dns.lookups.clear()
    with transaction.atomic():
        delivery = services.webhook_send_test(actor=kantoor[1], endpoint=endpoint)

    class Rebinding(list):
        """The second and every later answer is an internal address."""

        def __iter__(self):
            dns.answers["receiver.test"] = ["10.9.9.9"]
            return super().__iter__()

    dns.answers["receiver.test"] = Rebinding(["127.0.0.1"])
    assert deliver_due().delivered == 1
    assert dns.lookups == ["receiver.test"]
    assert len(receiver.received) == 1
    request = receiver.received[0]
    assert request.headers["host"] == f"receiver.test:{receiver.port}"
    assert request.path == "/hook" and request.event_id == delivery.event_id


# --- HTTPS to the checked address, verified against the host name --------------------------


def _certificate(ca_key, ca_name, name: str, key):
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


@pytest.fixture
def tls(tmp_path, monkeypatch):
    """A throw-away CA, trusted by the delivery (only in this test), and a server context
    factory for a certificate of a given host name."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Ketenportal test CA")])
    now = dt.datetime.now(dt.UTC)
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    original = ssl.create_default_context

    def trusting(*args, **kwargs):
        context = original(*args, **kwargs)
        context.load_verify_locations(cafile=str(ca_file))
        return context

    monkeypatch.setattr(transport.ssl, "create_default_context", trusting)

    def server_context(name: str) -> ssl.SSLContext:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _certificate(ca_key, ca_name, name, key)
        cert_file, key_file = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        return context

    return server_context


def test_https_goes_to_the_checked_address_with_the_host_names_certificate(dns, kantoor, tls):
    receiver = FakeReceiver().start(tls=tls("receiver.test"))
    try:
        dns.answers["receiver.test"] = ["127.0.0.1"]
        endpoint = create(kantoor, f"https://receiver.test:{receiver.port}/hook")
        with transaction.atomic():
            services.webhook_send_test(actor=kantoor[1], endpoint=endpoint)
        assert deliver_due().delivered == 1
        assert receiver.received[0].headers["host"] == f"receiver.test:{receiver.port}"
    finally:
        receiver.stop()


def test_a_certificate_for_another_name_is_refused(dns, kantoor, tls):
    receiver = FakeReceiver().start(tls=tls("someone-else.test"))
    try:
        dns.answers["receiver.test"] = ["127.0.0.1"]
        endpoint = create(kantoor, f"https://receiver.test:{receiver.port}/hook")
        with transaction.atomic():
            delivery = services.webhook_send_test(actor=kantoor[1], endpoint=endpoint)
        assert deliver_due().retried == 1
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.WACHTEND
        assert delivery.laatste_fout.startswith("tls:") and not receiver.received
    finally:
        receiver.stop()


def test_enabling_checks_the_url_again(production, dns, kantoor):
    dns.answers["hooks.boekhouding.example"] = [PUBLIC]
    endpoint = create(kantoor, "https://hooks.boekhouding.example/hook")
    services.webhook_endpoint_disable(actor=kantoor[1], endpoint=endpoint)
    dns.answers["hooks.boekhouding.example"] = ["10.0.0.1"]
    with pytest.raises(DomainError):
        services.webhook_endpoint_enable(actor=kantoor[1], endpoint=endpoint)
    endpoint.refresh_from_db()
    assert not endpoint.actief and endpoint.uitgeschakeld_op <= timezone.now()
