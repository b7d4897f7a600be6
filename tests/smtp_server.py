"""A small SMTP server for the tests: it counts what it accepts and refuses on request.

Real enough for Django's SMTP backend (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT); no TLS, no
AUTH. Behaviour is set on the instance and may change while it runs:

* ``refuse`` – the next N messages are refused with this reply at RCPT, e.g.
  ``[(451, "try again later")]`` or ``[(550, "no such mailbox")] * 99``;
* ``delay`` – seconds to wait before answering RCPT (a slow server);
* ``hold_at`` – once this many messages were accepted, the next RCPT waits until ``release``
  is set; ``held`` is set while it waits (to kill a worker in the middle of a conversation, at a
  known point: a message whose sender dies there is not accepted).

``messages`` holds what was accepted: (recipients, raw message bytes).
"""

import socketserver
import threading
import time
from email import message_from_bytes


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self) -> None:
        try:
            self.converse()
        except OSError:  # the client died (a killed worker): the conversation ends here
            return

    def converse(self) -> None:  # noqa: C901 - one small protocol loop
        server: FakeSMTP = self.server.owner
        self.reply("220 fake-smtp ready")
        recipients: list[str] = []
        refused_this = False
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode(errors="replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                if verb == "EHLO":
                    self.reply("250-fake-smtp")
                    self.reply("250 8BITMIME")
                else:
                    self.reply("250 fake-smtp")
            elif verb == "MAIL":
                recipients, refused_this = [], False
                self.reply("250 OK")
            elif verb == "RCPT":
                if server.delay:
                    time.sleep(server.delay)
                server.wait_if_held()
                refusal = server.next_refusal()
                if refusal:
                    code, text = refusal
                    refused_this = True
                    server.refusals += 1
                    self.reply(f"{code} {text}")
                else:
                    recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                    self.reply("250 OK")
            elif verb == "DATA":
                if not recipients or refused_this:
                    self.reply("554 no valid recipients")
                    continue
                self.reply("354 end with <CRLF>.<CRLF>")
                data = []
                while True:
                    chunk = self.rfile.readline()
                    if not chunk or chunk in (b".\r\n", b".\n"):
                        break
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                server.accept(recipients, b"".join(data))
                self.reply("250 OK queued")
            elif verb == "RSET":
                recipients, refused_this = [], False
                self.reply("250 OK")
            elif verb == "NOOP":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class FakeSMTP:
    def __init__(self) -> None:
        self.refuse: list[tuple[int, str]] = []
        self.delay = 0.0
        self.refusals = 0
        self.hold_at: int | None = None
        self.held = threading.Event()
        self.release = threading.Event()
        self.messages: list[tuple[list[str], bytes]] = []
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> "FakeSMTP":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def next_refusal(self) -> tuple[int, str] | None:
        with self._lock:
            return self.refuse.pop(0) if self.refuse else None

    def wait_if_held(self) -> None:
        with self._lock:
            hold = self.hold_at is not None and len(self.messages) >= self.hold_at
        if hold:
            self.held.set()
            self.release.wait(timeout=60)

    def accept(self, recipients: list[str], raw: bytes) -> None:
        with self._lock:
            self.messages.append((recipients, raw))

    def to(self, address: str) -> list:
        """The accepted messages to ``address``, parsed."""
        return [message_from_bytes(raw) for rcpt, raw in self.messages if address in rcpt]
