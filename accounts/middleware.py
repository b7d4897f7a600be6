"""Request middleware of Ketenportal: request context, language, second factor, organisation.

``SecondFactorRequiredMiddleware`` is the one place that decides who may see a page at all:
every view requires a logged-in user with a verified second factor, except views marked public
with Django's ``login_not_required`` (login, password and username recovery, health) and the
views marked with ``second_factor_exempt`` or ``second_factor_enrolment`` below.
"""

import re
import uuid
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_otp import devices_for_user

from .context import reset_request_context, set_request_context
from .selectors import lidmaatschappen_for

ORGANISATIE_SESSION_KEY = "ketenportal_organisatie_id"
ACTIVITY_SESSION_KEY = "ketenportal_activiteit"
#: When the person logged in (epoch seconds): a session ends SESSION_ABSOLUTE_HOURS after it,
#: however active.
STARTED_SESSION_KEY = "ketenportal_begonnen"


def is_background_poll(request: HttpRequest) -> bool:
    """A request a page makes by itself (the import's progress, by htmx or by a refreshing
    page), not the person: it does not count as activity for the idle timeout."""
    if request.method != "GET":
        return False
    if request.GET.get("poll") == "1":
        return True
    return request.headers.get("HX-Request") == "true" and "fragment" in request.GET


_REQUEST_ID = re.compile(r"^[A-Za-z0-9\-]{8,64}$")


def second_factor_exempt(view: Callable) -> Callable:
    """Allow a logged-in user who has not passed the second factor yet (verify, logout)."""
    view.second_factor = "exempt"
    return view


def second_factor_enrolment(view: Callable) -> Callable:
    """Allow a logged-in user without any device to set one up; nobody else unverified."""
    view.second_factor = "enrolment"
    return view


def client_ip(request: HttpRequest) -> str | None:
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0) or 0
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


class SessionActivityMiddleware:
    """The idle timeout: a session ends ``SESSION_COOKIE_AGE`` after its last request.

    Django's way, ``SESSION_SAVE_EVERY_REQUEST``, writes the session to the database on every
    request, a write and a commit per page. Here the session is saved (and its expiry moved on)
    only when its last activity mark is ``SESSION_ACTIVITY_REFRESH_SECONDS`` old, so at most once
    a minute; a session then ends between 29 and 30 minutes after its last request. Sits just
    inside ``SessionMiddleware``, which saves a modified session on the way out.
    """

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            started = session.get(STARTED_SESSION_KEY)
            limit = settings.SESSION_ABSOLUTE_HOURS * 3600
            if isinstance(started, int) and timezone.now().timestamp() - started > limit:
                # Past the absolute lifetime: the session ends however active it was.
                session.flush()
        response = self.get_response(request)
        if session is None or not session.session_key:
            return response  # no session: nothing to keep alive, and none to create
        last = session.get(ACTIVITY_SESSION_KEY)  # loads it; an expired one comes back empty
        if session.is_empty():
            return response
        now = int(timezone.now().timestamp())
        if session.get("_auth_user_id") and not isinstance(session.get(STARTED_SESSION_KEY), int):
            session[STARTED_SESSION_KEY] = now  # a session from before this rule
        if is_background_poll(request):
            return response
        if not isinstance(last, int) or now - last >= settings.SESSION_ACTIVITY_REFRESH_SECONDS:
            session[ACTIVITY_SESSION_KEY] = now
        return response


class RequestContextMiddleware:
    """Give every request an id (echoed in ``X-Request-ID``) and remember the client's IP."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        tokens = set_request_context(request_id=request.id, client_ip=client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            reset_request_context(tokens)
        response["X-Request-ID"] = request.id
        return response


class UserLanguageMiddleware:
    """A logged-in user sees the portal in the language they chose, on any device."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            taal = getattr(user, "taal", "")
            if taal in dict(settings.LANGUAGES):
                translation.activate(taal)
                request.LANGUAGE_CODE = taal
        return self.get_response(request)


def user_has_device(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def _session_ended(request: HttpRequest) -> bool:
    """The browser still sends a session cookie, but the session behind it is gone (timed out,
    or past its absolute lifetime). A logout deletes the cookie; a login in progress has data."""
    if not request.COOKIES.get(settings.SESSION_COOKIE_NAME):
        return False
    session = getattr(request, "session", None)
    return session is not None and session.is_empty()


class SecondFactorRequiredMiddleware:
    """Every page needs a verified second factor, unless the view is marked otherwise."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, args, kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        user = request.user
        if not user.is_authenticated:
            if _session_ended(request):
                messages.info(
                    request,
                    _(
                        "Your session has ended because you were inactive for a while, or "
                        "logged in too long ago. Log in again to continue."
                    ),
                )
            return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
        if user.is_verified():
            return None
        marker = getattr(view_func, "second_factor", "required")
        if marker == "exempt":
            return None
        has_device = user_has_device(user)
        if marker == "enrolment" and not has_device:
            return None
        target = reverse("accounts:verify") if has_device else reverse("two_factor:setup")
        if request.method == "GET" and not request.path.startswith(target):
            target += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(target)


class ActiveOrganisatieMiddleware:
    """Set ``request.lidmaatschap`` and ``request.organisatie``: the organisation being managed.

    A person who belongs to several organisations picks one with the switcher; the choice is kept
    in the session and is always checked against their memberships.
    """

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.lidmaatschappen = []
        request.lidmaatschap = None
        request.organisatie = None
        user = request.user
        if user.is_authenticated and user.is_verified():
            memberships = list(lidmaatschappen_for(user))
            chosen = request.session.get(ORGANISATIE_SESSION_KEY)
            current = next((m for m in memberships if m.organisatie_id == chosen), None)
            if current is None and memberships:
                current = memberships[0]
            request.lidmaatschappen = memberships
            request.lidmaatschap = current
            request.organisatie = current.organisatie if current else None
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages and downloads for a logged-in person are never stored by browsers or proxies."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
        return response
