"""Passkeys (WebAuthn) as a second factor, through django-otp-webauthn.

A passkey is a django-otp device like the authenticator app and the phone: after the password,
the login's code page offers "Use a passkey" (also on Verifieer, for a session that has the
password but not yet a second factor). It never replaces the password
(``OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False``).

django-two-factor-auth keeps the person of a login in progress in its wizard's session storage,
not in ``request.user``: the authentication views below take the person from there, log them in
and put the passkey in the session, as the wizard's last step would.

Registering a passkey is a change of how someone logs in: it needs a verified session and a
recent password (``accounts.reauth``), is audited and mailed. Mijn profiel > Passkeys lists,
renames and removes them (never the person's last factor).

The library's scripts are static files loaded with the CSP nonce
(``templates/includes/passkey_*.html``); there is no inline script or style.
"""

import json
import time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView
from django_otp import login as otp_login
from django_otp_webauthn import exceptions as webauthn_exceptions
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.templatetags.otp_webauthn import get_configuration
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)
from two_factor.views.utils import LoginStorage

from ketenportal.exceptions import DomainError

from . import services
from .constants import LoginResult, SecondFactorUsed
from .middleware import client_ip
from .reauth import has_recent_password, mark_password_confirmed, requires_recent_password

#: The session storage of ``accounts.views.LoginView`` (formtools: the class name, normalised).
LOGIN_WIZARD_PREFIX = "login_view"
SECOND_FACTOR_STEPS = ("token", "backup")


def webauthn_configuration(request) -> dict:
    """The JSON configuration the library's scripts read (``otp_webauthn_config``).

    Where to go after a passkey login comes from the page's own ``?next=`` (the scripts' fallback
    when the field is missing), not from the first ``next`` field of the page: that is the
    language switch's, which points back at the page itself."""
    return get_configuration(request, {"nextFieldSelector": "input#passkey-next"})


def pending_login_user(request):
    """The person who entered the right password in the login wizard and is at its second
    step, within ``TWO_FACTOR_LOGIN_TIMEOUT``; ``None`` otherwise."""
    storage = LoginStorage(LOGIN_WIZARD_PREFIX, request, None)
    if storage.data.get("step") not in SECOND_FACTOR_STEPS:
        return None
    timeout = settings.TWO_FACTOR_LOGIN_TIMEOUT
    started = storage.data.get("authentication_time", 0)
    if timeout and int(time.time()) > started + timeout:
        return None
    user = storage.authenticated_user
    return user if user and user.is_active else None


class PasswordRecentMixin:
    """The registration ceremony needs a recent password, like any new factor. POST only."""

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST":
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def check_can_register(self):
        if not has_recent_password(self.request):
            raise webauthn_exceptions.NotAuthenticated(
                detail=_("Confirm your password first, then add the passkey.")
            )


class RegistrationBeginView(PasswordRecentMixin, BeginCredentialRegistrationView):
    pass


class RegistrationCompleteView(PasswordRecentMixin, CompleteCredentialRegistrationView):
    """Save the passkey (the library), then name, audit and mail it (the service)."""

    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        if response.status_code == 200:
            device_id = json.loads(response.content)["id"]
            services.user_passkey_added(
                actor=self.request.user,
                user=self.request.user,
                device=WebAuthnCredential.objects.get(pk=device_id, user=self.request.user),
            )
        return response


class SecondFactorAuthenticationMixin:
    """The person is the one logging in (the wizard) or the logged-in, unverified one."""

    def get_user(self):
        if self.request.user.is_authenticated:
            return self.request.user
        return pending_login_user(self.request)

    def check_can_authenticate(self):
        if self.get_user() is None:
            raise webauthn_exceptions.NotAuthenticated()


@method_decorator(login_not_required, name="dispatch")
class AuthenticationBeginView(SecondFactorAuthenticationMixin, BeginCredentialAuthenticationView):
    pass


@method_decorator(login_not_required, name="dispatch")
class AuthenticationCompleteView(
    SecondFactorAuthenticationMixin, CompleteCredentialAuthenticationView
):
    """A passkey was used: finish the login the wizard started (or verify the session)."""

    def check_device_usable(self, device) -> None:
        super().check_device_usable(device)
        if device.user_id != self.get_user().pk:
            raise webauthn_exceptions.CredentialNotFound()

    def complete_auth(self, device) -> None:
        request = self.request
        if request.user.is_authenticated:
            otp_login(request, device)
            user = request.user
        else:
            user = pending_login_user(request)
            storage = LoginStorage(LOGIN_WIZARD_PREFIX, request, None)
            # django-otp puts the device on the user into the session at login().
            user.otp_device = device
            login(request, user, backend=user.backend)
            storage.reset()
            mark_password_confirmed(request)
        services.login_event_record(
            user=user,
            username=user.get_username(),
            result=LoginResult.SUCCESS,
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            second_factor=SecondFactorUsed.PASSKEY,
        )

    def get_redirect_url(self):
        from .views import safe_next

        return safe_next(self.request, "")

    def get_success_url(self):
        return self.get_redirect_url() or reverse("home")


class PasskeyNameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=64)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name or name.lower() == "default":
            raise forms.ValidationError(gettext_lazy("Choose another name."))
        return name


@method_decorator([never_cache, requires_recent_password], name="dispatch")
class PasskeysView(TemplateView):
    """Mijn profiel > Passkeys: the person's passkeys, add one, rename or remove one.

    Open to a verified person with a recent password (a change of how they log in)."""

    template_name = "accounts/passkeys.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["passkeys"] = WebAuthnCredential.objects.filter(user=self.request.user).order_by(
            "pk"
        )
        context["webauthn_config"] = webauthn_configuration(self.request)
        context.setdefault("form", PasskeyNameForm())
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        try:
            passkey_id = int(request.POST.get("passkey", ""))
        except ValueError:
            return redirect("accounts:passkeys")
        try:
            if action == "remove":
                services.user_passkey_remove(
                    actor=request.user, user=request.user, passkey_id=passkey_id
                )
                messages.success(request, _("The passkey has been removed."))
            elif action == "rename":
                form = PasskeyNameForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(form=form))
                services.user_passkey_rename(
                    actor=request.user,
                    user=request.user,
                    passkey_id=passkey_id,
                    name=form.cleaned_data["name"],
                )
                messages.success(request, _("The passkey has been renamed."))
        except DomainError as exc:
            messages.error(request, str(exc))
        return redirect("accounts:passkeys")
