"""Server-side request forgery: a webhook URL must not make the portal call inside its own network.

A beheerder chooses the URL the portal POSTs to, so the URL is an attacker's lever: without
checks it reaches the cloud metadata service (169.254.169.254), the database, Redis, or the
admin of a router. ``check`` is run when an endpoint is saved and again at every delivery:

* only ``https`` (``http`` too when ``WEBHOOK_REQUIRE_HTTPS`` is off: development and tests), no
  user name or password in the URL, a host name;
* the host is resolved (``socket.getaddrinfo``) and refused when *any* of its addresses is not
  a public internet address: loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7),
  link-local (169.254/16 with the metadata service, fe80::/10), shared CGNAT space
  (100.64/10), multicast, reserved, unspecified, documentation and benchmark ranges, and IPv6
  forms that carry such an IPv4 address (``::ffff:127.0.0.1``, 6to4, Teredo, NAT64). Decimal
  and octal forms of an address ("2130706433") are resolved first, so they are refused too.
  ``WEBHOOK_ALLOW_PRIVATE_URLS`` switches the address check off (development and tests only).

The delivery connects to the address that was checked (``Target.addresses``), never resolving
the name a second time, so a DNS answer that changes between check and connect ("DNS
rebinding") cannot lead it to an internal address; TLS is still verified against the host name.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from ketenportal.exceptions import DomainError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_EXTRA_REFUSED = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network"
        "100.64.0.0/10",  # shared address space (CGNAT)
        "192.0.0.0/24",  # IETF protocol assignments
        "198.18.0.0/15",  # benchmarking
        "240.0.0.0/4",  # reserved, and the broadcast address
        "64:ff9b:1::/48",  # local-use NAT64
        "2001::/23",  # IETF protocol assignments (Teredo is looked into below)
        "2002::/16",  # 6to4 (looked into below)
        "fec0::/10",  # site-local (deprecated)
    )
]


class UnsafeUrl(DomainError):
    """The URL may not be called. ``code`` says which rule, ``detail`` is technical (English)."""

    def __init__(self, message: str, *, code: str, detail: str = "") -> None:
        super().__init__(message, code=code)
        self.detail = detail or code


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (``addresses``, in order) and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    found = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found += list(ip.teredo)
    if ip in _NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    # IPv4-compatible (deprecated): ::a.b.c.d
    if int(ip) >> 32 == 0 and int(ip) > 1:
        found.append(ipaddress.IPv4Address(int(ip)))
    return found


def refusal(ip: IPAddress) -> str | None:
    """Why ``ip`` is no public internet address, or None when it is one."""
    if isinstance(ip, ipaddress.IPv6Address):
        for inner in _embedded_ipv4(ip):
            inner_reason = refusal(inner)
            if inner_reason:
                return f"carries {inner} ({inner_reason})"
        if ip.is_site_local:
            return "site-local"
    for reason, flag in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
    ):
        if flag:
            return reason
    if any(ip in network for network in _EXTRA_REFUSED if network.version == ip.version):
        return "reserved"
    if not ip.is_global:
        return "not global"
    return None


def parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an acceptable URL; ``UnsafeUrl`` otherwise."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(_("Enter a valid web address."), code="invalid") from exc
    scheme = parts.scheme.lower()
    allowed = ("https",) if settings.WEBHOOK_REQUIRE_HTTPS else ("https", "http")
    if scheme not in allowed:
        raise UnsafeUrl(
            _("Enter a web address that starts with https://."), code="scheme", detail=scheme
        )
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UnsafeUrl(
            _("Enter the web address without a user name or password."), code="credentials"
        )
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeUrl(_("Enter a valid web address."), code="invalid")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, port or (443 if scheme == "https" else 80), path


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the resolver's order (no duplicates)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise UnsafeUrl(
            _("The host name %(host)s cannot be found.") % {"host": host},
            code="dns",
            detail=f"{host} cannot be resolved",
        ) from exc
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = sockaddr[0].split("%", 1)[0]  # without an IPv6 zone
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnsafeUrl(
            _("The host name %(host)s cannot be found.") % {"host": host},
            code="dns",
            detail=f"{host} has no address",
        )
    return addresses


def check_addresses(host: str, addresses: list[str]) -> None:
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return
    for address in addresses:
        reason = refusal(ipaddress.ip_address(address))
        if reason:
            raise UnsafeUrl(
                _(
                    "%(host)s points to an address in a private, local or reserved network "
                    "(%(address)s). Webhooks are only sent to public internet addresses."
                )
                % {"host": host, "address": address},
                code="address",
                detail=f"{host} resolves to {address} ({reason})",
            )


def check(url: str) -> Target:
    """Check ``url`` as described above and return where to connect; ``UnsafeUrl`` if not."""
    scheme, host, port, path = parse(url)
    addresses = resolve(host, port)
    check_addresses(host, addresses)
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=tuple(addresses))
