"""EH4: "In het bezit van EH4? Log in met uw certificaat". The certificate the TLS proxy passes
logs in only from the trusted proxy, only when it chains to the configured CA, is valid, may
authenticate a client, is not revoked and names a linked EH4 means; every refusal is recorded
and counted like a wrong password."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from accounts import certificates
from accounts.constants import AuditKind, EHNiveau, LoginResult, SecondFactorUsed
from accounts.models import AuditEntry, CertificaatDevice, LoginEvent, User
from tests.accounts.certs import TestCA, header_value
from tests.conftest import verified_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/account/certificaat/"
PROXY = "10.0.0.5"
SECRET = "proxy-geheim-123"
SERIAL = "00000001800000000000"


@pytest.fixture
def ca():
    return TestCA()


@pytest.fixture
def revoked(ca):
    return ca.client("00000001800000000099")


@pytest.fixture(autouse=True)
def pki(settings, tmp_path, ca, revoked):
    bundle, crl = ca.write(tmp_path, revoked=[revoked])
    settings.CLIENT_CERT_CA_BUNDLE = bundle
    settings.CLIENT_CERT_CRLS = [crl]
    settings.CLIENT_CERT_TRUSTED_PROXIES = [PROXY]
    settings.CLIENT_CERT_PROXY_SECRET = SECRET
    certificates.clear_caches()
    yield
    certificates.clear_caches()


@pytest.fixture
def holder():
    return UserFactory(eh4=True, eh4_certificaat_serienummer=SERIAL)


def post(cert, *, client=None, remote=PROXY, secret=SECRET, data=None):
    client = client or Client()
    headers = {"REMOTE_ADDR": remote, "HTTP_ACCEPT_LANGUAGE": "en"}
    if cert is not None:
        headers["HTTP_X_SSL_CLIENT_CERT"] = header_value(cert)
    if secret is not None:
        headers["HTTP_X_CLIENT_CERT_PROXY_SECRET"] = secret
    return client.post(URL, data or {}, **headers)


def logged_in(client) -> bool:
    return client.get(reverse("home"), REMOTE_ADDR=PROXY).status_code == 200


def test_the_login_page_offers_the_certificate(client):
    page = client.get("/account/login/").content.decode()
    assert URL in page
    # the manual's wording
    assert "In het bezit van EH4?" in page and "Log in met uw certificaat" in page


def test_the_certificate_page_itself_logs_nobody_in(client, holder, ca):
    response = client.get(
        URL,
        REMOTE_ADDR=PROXY,
        HTTP_X_SSL_CLIENT_CERT=header_value(ca.client()),
        HTTP_X_CLIENT_CERT_PROXY_SECRET=SECRET,
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_valid_certificate_logs_in_with_both_factors(holder, ca):
    client = Client()
    response = post(ca.client(), client=client, data={"next": "/profiel/"})
    assert response.status_code == 302
    assert response["Location"] == "/profiel/"
    assert logged_in(client)
    device = CertificaatDevice.objects.get(user=holder)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert device.serienummer == SERIAL
    event = LoginEvent.objects.get(user=holder)
    assert event.result == LoginResult.SUCCESS
    assert event.second_factor == SecondFactorUsed.CERTIFICAAT
    # Mijn profiel shows it in the login history.
    page = client.get(reverse("accounts:profiel"), REMOTE_ADDR=PROXY).content.decode()
    assert "Certificate (EH4)" in page or "Certificaat (EH4)" in page


def test_the_certificate_device_is_no_code_device(holder, ca):
    post(ca.client())
    from accounts.middleware import user_has_device

    assert not user_has_device(holder)
    assert not CertificaatDevice.objects.get(user=holder).verify_token("123456")


def refused(response, client=None) -> bool:
    return response.status_code in (403, 429) and (client is None or not logged_in(client))


def test_an_expired_certificate_is_refused(holder, ca):
    client = Client()
    expired = ca.client(not_before=timedelta(days=-400), not_after=timedelta(days=-1))
    assert refused(post(expired, client=client), client)
    assert LoginEvent.objects.get().result == LoginResult.WRONG_CERTIFICATE


def test_a_certificate_of_another_ca_is_refused(holder):
    client = Client()
    response = post(TestCA(name="Nep Root").client(SERIAL), client=client)
    assert refused(response, client)
    assert "not issued by a trusted authority" in response.content.decode()
    # not attributed to the person it claims to be
    assert LoginEvent.objects.get().user is None


def test_a_revoked_certificate_is_refused_and_counts_for_its_person(ca, revoked):
    person = UserFactory(eh4=True, eh4_certificaat_serienummer="00000001800000000099")
    client = Client()
    response = post(revoked, client=client)
    assert refused(response, client)
    assert "revoked" in response.content.decode()
    event = LoginEvent.objects.get()
    assert event.user == person
    assert event.result == LoginResult.WRONG_CERTIFICATE


def test_without_a_current_crl_the_certificate_is_refused(settings, holder, ca):
    settings.CLIENT_CERT_CRLS = []
    assert refused(post(ca.client()))


def test_a_crl_signed_by_someone_else_does_not_count(settings, tmp_path, holder, ca):
    fake = TestCA(name=ca.name)  # same name, other key
    path = tmp_path / "fake.crl"
    path.write_bytes(fake.crl())
    settings.CLIENT_CERT_CRLS = [str(path)]
    assert refused(post(ca.client()))


@pytest.mark.parametrize(
    "kwargs", [{"client_auth": False}, {"digital_signature": False}], ids=["no-clientAuth", "no-ds"]
)
def test_a_certificate_without_the_key_usage_for_login_is_refused(holder, ca, kwargs):
    client = Client()
    response = post(ca.client(**kwargs), client=client)
    assert refused(response, client)
    assert "may not be used to log in" in response.content.decode()


def test_an_unknown_serial_number_is_refused(ca):
    UserFactory(eh4=True, eh4_certificaat_serienummer="00000001899999999999")
    client = Client()
    response = post(ca.client(SERIAL), client=client)
    assert refused(response, client)
    assert "not linked" in response.content.decode()


def test_a_linked_means_below_eh4_is_refused(ca):
    user = UserFactory(eh4=True, eh4_certificaat_serienummer=SERIAL)
    User.objects.filter(pk=user.pk).update(eh_niveau=EHNiveau.EH3)
    assert refused(post(ca.client()))


def test_an_inactive_person_is_refused(ca):
    UserFactory(eh4=True, eh4_certificaat_serienummer=SERIAL, is_active=False)
    assert refused(post(ca.client()))


def test_the_header_from_an_untrusted_address_is_ignored(holder, ca):
    client = Client()
    response = post(ca.client(), client=client, remote="203.0.113.9")
    assert refused(response, client)
    assert "No certificate was received" in response.content.decode()


@pytest.mark.parametrize("secret", [None, "", "verkeerd"], ids=["none", "empty", "wrong"])
def test_the_header_without_the_right_proxy_secret_is_ignored(holder, ca, secret):
    client = Client()
    assert refused(post(ca.client(), client=client, secret=secret), client)


def test_nothing_configured_trusts_nobody(settings, holder, ca):
    settings.CLIENT_CERT_TRUSTED_PROXIES = []
    settings.CLIENT_CERT_PROXY_SECRET = ""
    assert refused(post(ca.client(), secret=None))


def test_without_a_ca_bundle_the_login_is_off(settings, client, holder, ca):
    settings.CLIENT_CERT_CA_BUNDLE = ""
    assert "not available" in client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert refused(post(ca.client()))


def test_a_garbled_header_is_refused_not_a_500(holder):
    response = Client().post(
        URL,
        REMOTE_ADDR=PROXY,
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_X_SSL_CLIENT_CERT="-----BEGIN%20CERTIFICATE-----%0Azzz%0A-----END%20CERTIFICATE-----",
        HTTP_X_CLIENT_CERT_PROXY_SECRET=SECRET,
    )
    assert response.status_code == 403


def test_refused_certificates_count_towards_the_limit_per_address(settings, ca):
    settings.LOGIN_IP_FAILURE_LIMIT = 3
    other_ca = TestCA(name="Nep Root")
    for _ in range(3):
        post(other_ca.client())
    UserFactory(eh4=True, eh4_certificaat_serienummer=SERIAL)
    response = post(ca.client())  # even a good certificate is now refused from this address
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in Client().session


def test_a_locked_person_cannot_log_in_with_a_certificate(settings, ca, revoked):
    settings.AXES_FAILURE_LIMIT = 2
    person = UserFactory(eh4=True, eh4_certificaat_serienummer="00000001800000000099")
    for _ in range(2):
        post(revoked)
    # the person's good certificate is refused while the lock lasts
    person.eh4_certificaat_serienummer = SERIAL
    person.save()
    client = Client()
    response = post(ca.client(), client=client, remote="10.0.0.5")
    assert refused(response, client)
    assert LoginEvent.objects.filter(user=person, result=LoginResult.SUCCESS).count() == 0


def test_staff_link_a_certificate_in_the_admin_audited():
    staff = UserFactory(is_staff=True, is_superuser=True)
    person = UserFactory(eh4=True)
    client = verified_client(staff)
    url = reverse("admin:accounts_user_change", args=[person.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("password", "groups", "user_permissions")
    }
    data.update(
        {
            "eh4_certificaat_serienummer": SERIAL,
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": person.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": person.date_joined.strftime("%H:%M:%S"),
            "lidmaatschappen-TOTAL_FORMS": "0",
            "lidmaatschappen-INITIAL_FORMS": "0",
        }
    )
    for flag in ("is_active", "is_staff", "is_superuser", "alleen_belastingdienst"):
        if not data.get(flag):
            data.pop(flag, None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    person.refresh_from_db()
    assert person.eh4_certificaat_serienummer == SERIAL
    entry = AuditEntry.objects.get(kind=AuditKind.GEBRUIKER, object_id=str(person.pk))
    assert entry.changes["eh4_certificaat_serienummer"] == {"old": "", "new": SERIAL}


def test_a_certificate_cannot_be_linked_below_eh4():
    from django.core.exceptions import ValidationError

    person = UserFactory(eh_niveau=EHNiveau.EH3, eh4_certificaat_serienummer=SERIAL)
    with pytest.raises(ValidationError):
        person.full_clean()
