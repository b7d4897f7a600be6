"""Per-request facts that code far from the view needs: the request id and the client's IP.

Set by ``RequestContextMiddleware``; read by logging, the SMS throttle and the audit log.
"""

import contextvars

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


def current_client_ip() -> str | None:
    return _client_ip.get()


def set_request_context(*, request_id: str | None, client_ip: str | None) -> tuple:
    return _request_id.set(request_id), _client_ip.set(client_ip)


def reset_request_context(tokens: tuple) -> None:
    _request_id.reset(tokens[0])
    _client_ip.reset(tokens[1])
