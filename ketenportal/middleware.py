"""Requests that no page of the portal sends are refused with a 400 page (security row 28).

A path or query string with a NUL byte or another control character (U+0000-U+001F, U+007F),
or with percent-encoded bytes that are not UTF-8, comes from a scanner, a fuzzer or a broken
link: a browser never builds one from our links and forms. Django would pass such values on to the
views (invalid UTF-8 silently turned into U+FFFD), and PostgreSQL refuses a NUL in a string
literal with an error, which becomes a 500. Refusing them here, once, means no view, form,
selector or ``next`` handling ever sees them.

Form data (POST) may rightly carry tabs and line breaks, and other control characters there are
the forms' business (a form error). Only the NUL is refused in form data as well: no text column
can store it, and some views read a value straight from ``request.POST``.
"""

import logging
import re
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _query_string_bytes(request: HttpRequest) -> bytes:
    query_string = request.META.get("QUERY_STRING", "")
    try:
        return query_string.encode("iso-8859-1")  # WSGI hands the bytes over as latin-1
    except UnicodeEncodeError:
        return query_string.encode()  # ASGI decodes them as UTF-8


def refused_part(request: HttpRequest) -> str | None:
    """The part of the request that no browser sends ("path", "query string", "form data"),
    or None when the request is acceptable."""
    if CONTROL_CHARACTERS.search(request.path):
        return "path"
    try:
        query = unquote_to_bytes(_query_string_bytes(request)).decode()
    except UnicodeDecodeError:
        return "query string"
    if CONTROL_CHARACTERS.search(query):
        return "query string"
    if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
        for key, values in request.POST.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return "form data"
    return None


class RejectControlCharactersMiddleware:
    """Answer 400 to a request with control characters or invalid UTF-8 in its address, or a
    NUL in its form data.

    Sits late in ``MIDDLEWARE``, after the language, security-header and no-store middleware,
    so the 400 page is in the person's language and carries every header of a normal page;
    the middleware before it only reads cookies and headers, never the values refused here.
    """

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        part = refused_part(request)
        if part is not None:
            # Django logs the 400 itself (django.request); this says why.
            logger.info("Refused: control character or invalid UTF-8 in the %s", part)
            return render(request, "400.html", status=400)
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """``Permissions-Policy`` on every response (static files too): the portal uses no camera,
    microphone, location, payment, USB or other powerful browser feature, so none may be used
    by anything that would end up in a page (``PERMISSIONS_POLICY``)."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
