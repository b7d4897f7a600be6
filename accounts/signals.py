"""Receivers that write the login history (Mijn profiel > Inloghistorie)."""

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from two_factor.plugins.phonenumber.models import PhoneDevice
from two_factor.signals import user_verified

from .constants import LoginResult, SecondFactorUsed
from .middleware import client_ip
from .models import CertificaatDevice
from .services import login_event_record


def second_factor_of(device) -> SecondFactorUsed:
    if isinstance(device, PhoneDevice):
        return SecondFactorUsed.SMS
    if isinstance(device, StaticDevice):
        return SecondFactorUsed.BACKUP
    if isinstance(device, TOTPDevice):
        return SecondFactorUsed.TOTP
    if isinstance(device, CertificaatDevice):
        return SecondFactorUsed.CERTIFICAAT
    if isinstance(device, WebAuthnCredential):
        return SecondFactorUsed.PASSKEY
    return SecondFactorUsed.NONE


def _request_facts(request) -> dict:
    if request is None:
        return {"ip_address": None, "user_agent": ""}
    return {
        "ip_address": client_ip(request),
        "user_agent": request.META.get("HTTP_USER_AGENT", ""),
    }


@receiver(user_verified)
def record_verified_login(sender, request, user, device, **kwargs) -> None:
    login_event_record(
        user=user,
        username=user.get_username(),
        result=LoginResult.SUCCESS,
        second_factor=second_factor_of(device),
        **_request_facts(request),
    )


@receiver(user_logged_in)
def start_the_session_clock(sender, request, user, **kwargs) -> None:
    """The absolute session lifetime counts from the login (accounts.middleware)."""
    from django.utils import timezone

    from .middleware import STARTED_SESSION_KEY

    if request is not None and hasattr(request, "session"):
        request.session[STARTED_SESSION_KEY] = int(timezone.now().timestamp())


@receiver(user_logged_in)
def record_login_without_device(sender, request, user, **kwargs) -> None:
    # With a device, ``user_verified`` follows and records the login with its factor. Without one
    # the person is sent to set up a second factor; record the password step.
    if getattr(user, "otp_device", None) is None and request is not None:
        login_event_record(
            user=user,
            username=user.get_username(),
            result=LoginResult.SUCCESS,
            **_request_facts(request),
        )


@receiver(user_login_failed)
def record_failed_login(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", ""))[:150]
    user = get_user_model().objects.filter(username=username).first()
    login_event_record(
        user=user,
        username=username,
        # A refused EH4 certificate of a known person (accounts.views.CertificaatLoginView)
        # counts for django-axes like a wrong password, and is shown as what it was.
        result=LoginResult.WRONG_CERTIFICATE
        if credentials.get("certificaat")
        else LoginResult.WRONG_PASSWORD,
        **_request_facts(request),
    )


@receiver(user_locked_out)
def record_lockout(sender, request, username, ip_address, **kwargs) -> None:
    user = get_user_model().objects.filter(username=username).first()
    login_event_record(
        user=user,
        username=username or "",
        result=LoginResult.LOCKED_OUT,
        **_request_facts(request),
    )
