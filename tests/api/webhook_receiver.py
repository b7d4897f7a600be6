"""A small webhook receiver for the tests: a threaded HTTP server on 127.0.0.1 that records
what arrives and answers as told (what ``tests/smtp_server.py`` is for e-mail).

Behaviour is set on the instance and may change while it runs:

* ``answers``: status codes for the next requests, in order (``[500, 500]``: fail twice, then
  ``default``); ``default`` is 204;
* ``delay``: seconds to wait before answering (a slow receiver, to kill a worker mid-delivery);
* ``hold_at``: the request that arrives as number ``hold_at`` waits until ``release`` is set;
  ``held`` is set while it waits (to kill a worker at a known point of a delivery);
* ``location``: the ``Location`` of a 3xx answer; ``body``: the answer's body.

``received`` holds every request as it arrives (before the answer): ``Received(path, headers,
body)`` with lower-case header names; ``in_flight`` counts those not answered yet. ``verify(secret)`` checks each signature with the Standard Webhooks library, as a real
receiver would.
"""

import http.server
import json
import threading
import time
from dataclasses import dataclass

from standardwebhooks.webhooks import Webhook


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def event_id(self) -> str:
        return self.headers["webhook-id"]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        receiver: FakeReceiver = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        received = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        status = receiver.next_status()
        with receiver.lock:
            receiver.received.append(received)  # it arrived, whatever happens to the answer
            receiver.in_flight += 1
            hold = receiver.hold_at is not None and len(receiver.received) >= receiver.hold_at
        try:
            if receiver.delay:
                time.sleep(receiver.delay)
            if hold:
                receiver.held.set()
                receiver.release.wait(timeout=60)
            answer = receiver.body
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", receiver.location)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(answer)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(answer)
        except OSError:
            pass  # the sender is gone (a killed worker, a deadline)
        finally:
            with receiver.lock:
                receiver.in_flight -= 1


class FakeReceiver:
    def __init__(self) -> None:
        self.answers: list[int] = []
        self.default = 204
        self.delay = 0.0
        self.hold_at: int | None = None
        self.held = threading.Event()
        self.release = threading.Event()
        self.location = "http://127.0.0.1:9/elsewhere"
        self.body = b""
        self.received: list[Received] = []
        self.in_flight = 0  # requests received and not answered yet
        self.lock = threading.Lock()
        self.server: http.server.ThreadingHTTPServer | None = None

    def next_status(self) -> int:
        with self.lock:
            return self.answers.pop(0) if self.answers else self.default

    def start(self, tls=None) -> "FakeReceiver":
        """Serve on a free port of 127.0.0.1; with ``tls`` (an ``ssl.SSLContext``) HTTPS."""
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.server.daemon_threads = True
        self.server.owner = self
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, path: str = "/webhooks") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def verify(self, secret: str) -> list[dict]:
        """Every received event, verified with ``secret`` (raises on a bad signature)."""
        return [Webhook(secret).verify(r.body, r.headers) for r in self.received]
