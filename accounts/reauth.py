"""Recent re-authentication: the password asked again before a change of how someone logs in.

A stolen or unattended session must not be enough to add a second factor, to make new backup
codes or to move the account's e-mail address (and with it the password reset) elsewhere. Such a
change needs the password entered within ``REAUTH_MAX_AGE_SECONDS``: at the login page, or
again on "Bevestig uw wachtwoord" (``accounts:reauth``). The time is kept in the session, which
Django empties at every login and logout.

Wrong passwords go through ``authenticate()``, so django-axes counts them with the failed logins
and locks out the same browser, address and username.
"""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

REAUTH_SESSION_KEY = "ketenportal_wachtwoord_bevestigd"


def password_confirmed(request: HttpRequest, password: str) -> bool:
    """Whether ``password`` is the logged-in person's; a wrong one counts as a failed login."""
    user = request.user
    if not password or not user.is_authenticated:
        return False
    checked = authenticate(request, username=user.get_username(), password=password)
    return checked is not None and checked.pk == user.pk


def mark_password_confirmed(request: HttpRequest) -> None:
    request.session[REAUTH_SESSION_KEY] = int(timezone.now().timestamp())


def has_recent_password(request: HttpRequest, max_age: int | None = None) -> bool:
    """Whether the password was entered in this session within ``max_age`` seconds."""
    if max_age is None:
        max_age = settings.REAUTH_MAX_AGE_SECONDS
    confirmed_at = request.session.get(REAUTH_SESSION_KEY)
    if not isinstance(confirmed_at, int):
        return False
    age = int(timezone.now().timestamp()) - confirmed_at
    return 0 <= age <= max_age


def reauth_url(next_url: str) -> str:
    return f"{reverse('accounts:reauth')}?{urlencode({'next': next_url})}"


def requires_recent_password(
    view: Callable | None = None,
    *,
    max_age: int | None = None,
    when: Callable[[HttpRequest], bool] | None = None,
) -> Callable:
    """Send a person whose password is not recent to ``accounts:reauth`` first, then back.

    ``when(request)`` limits the rule to some requests (for instance: only a person who already
    has a second factor). Use ``method_decorator`` on class-based views: on ``dispatch`` for
    every method, on ``post`` for changes only. Anonymous requests pass on unchanged: the login
    rule is ``SecondFactorRequiredMiddleware``'s.
    """

    def decorator(view_func: Callable) -> Callable:
        @wraps(view_func)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            needed = request.user.is_authenticated and (when is None or when(request))
            if needed and not has_recent_password(request, max_age):
                return HttpResponseRedirect(reauth_url(request.get_full_path()))
            return view_func(request, *args, **kwargs)

        return wrapped

    return decorator(view) if view is not None else decorator


def already_verified(request: HttpRequest) -> bool:
    """A person who has passed a second factor in this session (and so already has one)."""
    return request.user.is_authenticated and request.user.is_verified()
