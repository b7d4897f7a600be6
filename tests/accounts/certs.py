"""A throw-away PKI for the certificate login tests: a CA, client certificates (good, expired,
of another CA, without client authentication) and a CRL. Keys live in memory only; the test
writes the CA bundle and the CRL (public data) to its own temporary directory."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str, serial_number: str | None = None) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Testorganisatie"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if serial_number:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number))
    return x509.Name(attributes)


@dataclass
class TestCA:
    __test__ = False  # not a test class: pytest collects names starting with Test
    name: str = "Test PKIoverheid Private Root"
    key: ec.EllipticCurvePrivateKey = field(default_factory=_key)
    cert: x509.Certificate = field(init=False)

    def __post_init__(self) -> None:
        now = datetime.now(UTC)
        subject = _name(self.name)
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=30))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )

    def client(
        self,
        serial_number: str | None = "00000001800000000000",
        *,
        not_before: timedelta = timedelta(days=-1),
        not_after: timedelta = timedelta(days=365),
        client_auth: bool = True,
        digital_signature: bool = True,
    ) -> x509.Certificate:
        now = datetime.now(UTC)
        key = _key()
        usages = [ExtendedKeyUsageOID.CLIENT_AUTH] if client_auth else []
        usages.append(ExtendedKeyUsageOID.EMAIL_PROTECTION)
        return (
            x509.CertificateBuilder()
            .subject_name(_name("A.B. Achternaam", serial_number))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + not_before)
            .not_valid_after(now + not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=digital_signature,
                    content_commitment=not digital_signature,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )

    def crl(
        self, revoked: list[x509.Certificate] = (), *, next_update: timedelta = timedelta(days=7)
    ) -> bytes:
        now = datetime.now(UTC)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.cert.subject)
            .last_update(now - timedelta(hours=1))
            .next_update(now + next_update)
        )
        for cert in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(cert.serial_number)
                .revocation_date(now - timedelta(minutes=5))
                .build()
            )
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)

    def write(self, directory: Path, *, revoked: list[x509.Certificate] = ()) -> tuple[str, str]:
        """The CA bundle and this CA's CRL as files; returns their paths."""
        bundle = directory / "ca-bundle.pem"
        bundle.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        crl = directory / "ca.crl"
        crl.write_bytes(self.crl(revoked))
        return str(bundle), str(crl)


def header_value(cert: x509.Certificate) -> str:
    """The certificate as nginx's ``$ssl_client_escaped_cert`` passes it."""
    return quote(cert.public_bytes(serialization.Encoding.PEM).decode(), safe="")
