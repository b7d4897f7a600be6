"""Per-request facts that code far from the view needs: the request id and the client's IP.

Set by ``RequestContextMiddleware`` (and ``via`` by the API's authentication); read by logging,
the SMS throttle and the audit log.
"""

import contextvars

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_ip", default=None)
# How a change came in when not through a page: "API-sleutel “Boekhouding” (kp_ab12cd34)".
_via: contextvars.ContextVar[str] = contextvars.ContextVar("via", default="")


def current_request_id() -> str | None:
    return _request_id.get()


def current_client_ip() -> str | None:
    return _client_ip.get()


def current_via() -> str:
    return _via.get()


def set_via(via: str) -> contextvars.Token:
    """Mark the changes of this request as coming through ``via`` (the audit log shows it)."""
    return _via.set(via)


def reset_via(token: contextvars.Token) -> None:
    _via.reset(token)


def set_request_context(*, request_id: str | None, client_ip: str | None) -> tuple:
    return _request_id.set(request_id), _client_ip.set(client_ip)


def reset_request_context(tokens: tuple) -> None:
    _request_id.reset(tokens[0])
    _client_ip.reset(tokens[1])
