"""Logging in with an EH4 certificate ("In het bezit van EH4? Log in met uw certificaat").

The TLS proxy (nginx, ``docs/nginx-certificaat.conf``) asks the browser for a client certificate
and passes it to the portal URL-encoded in ``CLIENT_CERT_HEADER``. That header is believed only
from a trusted proxy: the connecting address is in ``CLIENT_CERT_TRUSTED_PROXIES`` and, when
``CLIENT_CERT_PROXY_SECRET`` is set, the request carries that secret as well. Anyone on the
internet can send the header; it must never log anyone in by itself.

The portal then checks the certificate itself, whatever the proxy did:

* it chains to a certificate of ``CLIENT_CERT_CA_BUNDLE`` (PKIoverheid or a private root) and is
  within its validity (``cryptography.x509.verification``);
* it may be used to log in: extended key usage clientAuth and key usage digitalSignature;
* it is not revoked: the CRL of its issuer (``CLIENT_CERT_CRLS``, files or URLs, read again after
  ``CLIENT_CERT_CRL_REFRESH_SECONDS`` or when its next update has passed) lists it not. Without a
  current, correctly signed CRL of the issuer the certificate is refused (fail closed).

The person is the one whose EH4 means is linked to the subject's ``serialNumber`` (PKIoverheid
puts an OIN- or KvK-based number there), a link that platform staff make in the admin.
"""

import hmac
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import (
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ketenportal.exceptions import DomainError

logger = logging.getLogger("accounts.certificates")


class CertificateRefused(DomainError):
    """The certificate cannot log anyone in; ``code`` says why (for the log and the tests).
    ``serial_number`` is set when the certificate is genuine (it chains to a trusted CA) but
    still refused, such as a revoked one: the failure then counts for the person it names."""

    serial_number = ""


@dataclass(frozen=True)
class CheckedCertificate:
    serial_number: str  # the subject's serialNumber attribute
    subject: str
    fingerprint: str  # SHA-256, hex


def enabled() -> bool:
    return bool(settings.CLIENT_CERT_CA_BUNDLE)


def from_trusted_proxy(request: HttpRequest) -> bool:
    """Whether the request comes from the TLS proxy: its address is listed and, when a secret
    is configured, it sent the secret. Nothing configured trusts nobody."""
    proxies = settings.CLIENT_CERT_TRUSTED_PROXIES
    secret = settings.CLIENT_CERT_PROXY_SECRET
    if not proxies:
        return False
    if request.META.get("REMOTE_ADDR") not in proxies:
        return False
    if secret:
        sent = request.headers.get(settings.CLIENT_CERT_PROXY_SECRET_HEADER, "")
        return hmac.compare_digest(sent.encode(), secret.encode())
    return True


def certificate_from_request(request: HttpRequest) -> x509.Certificate | None:
    """The client certificate the trusted proxy passed, or ``None`` when there is none (or the
    request did not come from the proxy: the header is then ignored as if absent)."""
    raw = request.headers.get(settings.CLIENT_CERT_HEADER, "")
    if not raw or not from_trusted_proxy(request):
        return None
    pem = unquote(raw).strip()
    if "BEGIN CERTIFICATE" not in pem:
        raise CertificateRefused(_("The certificate could not be read."), code="malformed")
    try:
        return x509.load_pem_x509_certificate(pem.encode())
    except ValueError as exc:
        raise CertificateRefused(_("The certificate could not be read."), code="malformed") from exc


_bundle_cache: dict[str, tuple[float, list[x509.Certificate]]] = {}
_crl_cache: dict[str, tuple[float, x509.CertificateRevocationList | None]] = {}


def trusted_certificates() -> list[x509.Certificate]:
    path = settings.CLIENT_CERT_CA_BUNDLE
    mtime = Path(path).stat().st_mtime
    cached = _bundle_cache.get(path)
    if cached is None or cached[0] != mtime:
        cached = (mtime, x509.load_pem_x509_certificates(Path(path).read_bytes()))
        _bundle_cache[path] = cached
    return cached[1]


def _read_crl(source: str) -> x509.CertificateRevocationList:
    if source.startswith(("https://", "http://")):
        response = requests.get(source, timeout=10)
        response.raise_for_status()
        data = response.content
    else:
        data = Path(source).read_bytes()
    if b"-----BEGIN X509 CRL-----" in data:
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)


def _crl(source: str, now: datetime) -> x509.CertificateRevocationList | None:
    cached = _crl_cache.get(source)
    fresh_until = (cached[0] + settings.CLIENT_CERT_CRL_REFRESH_SECONDS) if cached else 0
    stale = cached is not None and cached[1] is not None and _crl_outdated(cached[1], now)
    if cached is None or time.monotonic() > fresh_until or stale:
        try:
            crl = _read_crl(source)
        except (OSError, ValueError, requests.RequestException):
            logger.exception("CRL %s could not be read", source)
            crl = cached[1] if cached else None
        cached = (time.monotonic(), crl)
        _crl_cache[source] = cached
    return cached[1]


def _crl_outdated(crl: x509.CertificateRevocationList, now: datetime) -> bool:
    next_update = crl.next_update_utc
    return next_update is not None and next_update < now


def clear_caches() -> None:
    _bundle_cache.clear()
    _crl_cache.clear()


def _check_usage(cert: x509.Certificate) -> None:
    refused = CertificateRefused(_("This certificate may not be used to log in."), code="key_usage")
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        key_usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound as exc:
        raise refused from exc
    if ExtendedKeyUsageOID.CLIENT_AUTH not in eku or not key_usage.digital_signature:
        raise refused


def _check_not_revoked(cert: x509.Certificate, issuer: x509.Certificate, now: datetime) -> None:
    for source in settings.CLIENT_CERT_CRLS:
        crl = _crl(source, now)
        if crl is None or crl.issuer != cert.issuer:
            continue
        if not crl.is_signature_valid(issuer.public_key()) or _crl_outdated(crl, now):
            continue
        if crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None:
            raise CertificateRefused(_("This certificate has been revoked."), code="revoked")
        return
    raise CertificateRefused(
        _("Whether this certificate has been revoked cannot be checked now. Try again later."),
        code="revocation_unknown",
    )


def check(cert: x509.Certificate, *, now: datetime | None = None) -> CheckedCertificate:
    """Check ``cert`` as described in the module docstring; raise ``CertificateRefused``."""
    if not enabled():
        raise CertificateRefused(_("Logging in with a certificate is not available."), code="off")
    now = now or datetime.now(UTC)
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise CertificateRefused(
            _("This certificate has expired or is not valid yet."), code="expired"
        )
    _check_usage(cert)
    anchors = trusted_certificates()
    verifier = (
        PolicyBuilder()
        .store(Store(anchors))
        .time(now)
        .extension_policies(
            ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ExtensionPolicy.permit_all()
        )
        .build_client_verifier()
    )
    try:
        chain = verifier.verify(cert, anchors).chain
    except VerificationError as exc:
        raise CertificateRefused(
            _("This certificate was not issued by a trusted authority."), code="untrusted"
        ) from exc
    issuer = chain[1] if len(chain) > 1 else chain[0]
    serials = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    serial_number = str(serials[0].value).strip() if serials else ""
    if not serial_number:
        raise CertificateRefused(
            _("This certificate does not name a means holder."), code="no_serial"
        )
    try:
        _check_not_revoked(cert, issuer, now)
    except CertificateRefused as exc:
        exc.serial_number = serial_number
        raise
    return CheckedCertificate(
        serial_number=serial_number,
        subject=cert.subject.rfc4514_string(),
        fingerprint=cert.fingerprint(hashes.SHA256()).hex(),
    )
