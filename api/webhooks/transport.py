"""One POST to a checked address: no second DNS lookup, no redirects, a deadline, a short answer.

``http.client`` connections whose ``connect`` opens a socket to the address ``ssrf.check``
approved, while the request says ``Host: <the host name>`` and TLS checks the certificate
against that host name (``server_hostname``). So a receiver behind a name gets a normal HTTPS
request, and a name that resolves elsewhere a second later cannot redirect the connection.
``http.client`` follows no redirects: a 3xx is an answer like any other (the caller treats it
as a failure). The whole try (connect, send, answer) has one deadline: when it passes, the
socket is shut down, so a receiver that drips its answer byte by byte cannot hold a worker.
"""

import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from .ssrf import Target


@dataclass(frozen=True)
class Answer:
    status: int
    body: str  # a prefix of the answer, decoded leniently


class Timeout(OSError):
    pass


class _PinnedMixin:
    """Connect to ``self.pinned_address`` instead of resolving ``self.host``."""

    pinned_address: str
    on_socket = None

    def _open(self) -> socket.socket:
        sock = socket.create_connection((self.pinned_address, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.on_socket is not None:
            self.on_socket(sock)
        return sock


class PinnedHTTPConnection(_PinnedMixin, http.client.HTTPConnection):
    def connect(self) -> None:
        self.sock = self._open()


class PinnedHTTPSConnection(_PinnedMixin, http.client.HTTPSConnection):
    def connect(self) -> None:
        sock = self._open()
        # Certificate and host name are checked against the name in the URL.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _NotConnected(Exception):
    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


def post(
    target: Target, *, body: bytes, headers: dict[str, str], timeout: float, limit: int
) -> Answer:
    """POST ``body`` to ``target`` within ``timeout`` seconds in all and read at most ``limit``
    bytes of the answer. The checked addresses are tried in order until one accepts the
    connection; once connected, nothing is tried again (the request may have arrived)."""
    deadline = time.monotonic() + timeout
    last_error: OSError = Timeout("no answer in time")
    for address in target.addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            return _post_once(target, address, body, headers, remaining, limit)
        except _NotConnected as exc:
            last_error = exc.error
    raise last_error


def _post_once(
    target: Target, address: str, body: bytes, headers: dict, timeout: float, limit: int
) -> Answer:
    cls = PinnedHTTPSConnection if target.scheme == "https" else PinnedHTTPConnection
    kwargs = {"context": ssl.create_default_context()} if target.scheme == "https" else {}
    connection = cls(target.host, target.port, timeout=timeout, **kwargs)
    connection.pinned_address = address
    sockets: list[socket.socket] = []
    connection.on_socket = sockets.append
    expired = threading.Event()

    def cut() -> None:
        expired.set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    timer = threading.Timer(timeout, cut)
    timer.daemon = True
    timer.start()
    try:
        try:
            connection.connect()
        except ssl.SSLError:
            raise
        except OSError as exc:
            if expired.is_set() or isinstance(exc, TimeoutError):
                raise Timeout("no answer in time") from exc
            raise _NotConnected(exc) from exc
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read(limit)
        return Answer(status=response.status, body=raw.decode("utf-8", "replace"))
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set() and not isinstance(exc, ssl.SSLCertVerificationError):
            raise Timeout("no answer in time") from exc
        raise
    finally:
        timer.cancel()
        connection.close()
