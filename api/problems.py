"""Errors as RFC 9457 problem details (``application/problem+json``), in the request's language.

Every error of the API has ``type``, ``title``, ``status``, ``detail`` and ``instance``; a
validation error adds ``errors``, one entry per field (``field``, ``code``, ``message``), so
software can put each message next to its own input. A domain rule that refuses the action
(``ketenportal.exceptions.DomainError``) is a 409 for a duplicate or a change the status does
not allow, and a 422 otherwise; its ``code`` is the problem's ``type``
(``urn:ketenportal:problem:duplicate``).
"""

from http import HTTPStatus

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from ketenportal.exceptions import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:ketenportal:problem:"

#: Domain error codes that mean "conflicts with the current state" rather than "invalid".
CONFLICT_CODES = {"duplicate", "invalid_transition", "already_sent", "already_processed"}


def _titles() -> dict[int, str]:
    return {
        400: _("The request is not valid"),
        401: _("Not authenticated"),
        403: _("Not allowed"),
        404: _("Not found"),
        405: _("Method not allowed"),
        406: _("Not acceptable"),
        409: _("Conflict"),
        415: _("Unsupported media type"),
        422: _("The request cannot be carried out"),
        429: _("Too many requests"),
        503: _("Service unavailable"),
    }


def title_for(status_code: int) -> str:
    return _titles().get(status_code) or HTTPStatus(status_code).phrase


def _flatten(detail, prefix: str = "") -> list[dict]:
    """DRF's nested error detail as a flat list of ``{field, code, message}``."""
    items: list[dict] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if key != "non_field_errors" else ""
            items += _flatten(value, f"{prefix}.{name}" if prefix and name else name or prefix)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list) and not isinstance(value, exceptions.ErrorDetail):
                items += _flatten(value, f"{prefix}[{index}]")
            else:
                items += _flatten(value, prefix)
    else:
        items.append(
            {"field": prefix, "code": getattr(detail, "code", "invalid"), "message": str(detail)}
        )
    return items


def problem(status_code: int, *, detail: str = "", type_: str = "about:blank", **extra) -> dict:
    body = {"type": type_, "title": title_for(status_code), "status": status_code}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return body


def problem_response(status_code: int, *, request=None, headers=None, **kwargs) -> Response:
    body = problem(status_code, **kwargs)
    if request is not None:
        body.setdefault("instance", request.path if hasattr(request, "path") else "")
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, DomainError):
        set_rollback()
        code = getattr(exc, "code", "invalid")
        status_code = 409 if code in CONFLICT_CODES else 422
        extra = {}
        bestaande = getattr(exc, "bestaande", None)
        if bestaande is not None:
            extra["existing_id"] = bestaande.pk
        return problem_response(
            status_code, request=request, detail=str(exc), type_=f"{TYPE_PREFIX}{code}", **extra
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    status_code = response.status_code
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        body = problem(
            status_code,
            detail=_("One or more fields are not valid."),
            type_=f"{TYPE_PREFIX}validation",
            errors=errors,
        )
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else ""
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "")
        body = problem(
            status_code,
            detail=str(detail),
            type_=f"{TYPE_PREFIX}{code}" if code else "about:blank",
        )
        if status_code == status.HTTP_429_TOO_MANY_REQUESTS and getattr(exc, "wait", None):
            body["retry_after"] = int(exc.wait + 0.999)
    if request is not None:
        body["instance"] = request.path
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response
