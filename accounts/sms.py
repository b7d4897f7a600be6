"""SMS login codes: the gateway django-two-factor-auth calls, its throttle and single use.

django-two-factor-auth sends a new text every time its token page renders and accepts the same
code for about three minutes (see security.md). This module adds what a login service needs:

* ``Gateway`` (``TWO_FACTOR_SMS_GATEWAY``) refuses to send more than a few texts per user, per
  number and per IP address in a window, then hands the text to the configured backend.
* ``verify_single_use`` replaces ``PhoneDevice.verify_token``: a code whose time step was
  accepted once is refused after that.
* Every text that is sent carries a fresh code: the device gets a new key first, so a code sent
  to an earlier login attempt (even one in the same 30 seconds) stops working.
* The gateway tells the page what happened (``device.sms_sent``, ``device.sms_next_send_at``):
  after the limit the page says that no text was sent and when the next one can be.
* Backends: ``ConsoleBackend`` (development: the code is printed), ``LocmemBackend`` (tests:
  ``accounts.sms.outbox``) and ``HttpBackend`` (a real gateway over HTTPS, JSON with a token).
"""

import logging
import sys
from datetime import timedelta

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.util import random_hex

from .context import current_client_ip
from .models import SmsSend, SmsTokenUse

logger = logging.getLogger("accounts.sms")

#: Messages "sent" by ``LocmemBackend``: ``(number, text)`` tuples, like ``mail.outbox``.
outbox: list[tuple[str, str]] = []

# A code is accepted in its own 30-second step and the next one (about a minute), not in the
# five steps before as the phone plugin does; and each new text ends the codes sent before it.
SMS_CODE_DRIFT_STEPS = 1


class ConsoleBackend:
    def send(self, *, number: str, text: str) -> None:
        sys.stdout.write(f"\n[SMS to {number}] {text}\n")
        sys.stdout.flush()


class LocmemBackend:
    def send(self, *, number: str, text: str) -> None:
        outbox.append((number, text))


class HttpBackend:
    """POST ``{"to", "from", "body"}`` as JSON to ``SMS_GATEWAY_URL`` with a bearer token.

    Most SMS providers (MessageBird, CM.com, Spryng, Twilio via a small adapter) accept this shape
    or sit behind a relay that does.
    """

    def send(self, *, number: str, text: str) -> None:
        response = requests.post(
            settings.SMS_GATEWAY_URL,
            json={"to": number, "from": settings.SMS_GATEWAY_SENDER, "body": text},
            headers={"Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}"},
            timeout=10,
        )
        response.raise_for_status()


def validate_sms_number(number) -> None:
    """Only mobile numbers of the allowed regions (the Netherlands unless configured otherwise)."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(str(number), settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("Enter a valid mobile phone number."), code="invalid") from exc
    region = phonenumbers.region_code_for_number(parsed)
    number_type = phonenumbers.number_type(parsed)
    mobile = number_type in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    if not phonenumbers.is_valid_number(parsed) or not mobile:
        raise ValidationError(_("Enter a valid mobile phone number."), code="invalid")
    if region not in settings.SMS_ALLOWED_REGIONS:
        raise ValidationError(
            _("Text messages can only be sent to Dutch mobile numbers (06…)."), code="region"
        )


def send_allowed(*, user_id: int | None, number: str, ip_address: str | None) -> bool:
    since = timezone.now() - timedelta(seconds=settings.SMS_THROTTLE_WINDOW_SECONDS)
    recent = SmsSend.objects.filter(sent_at__gte=since)
    if user_id and recent.filter(user_id=user_id).count() >= settings.SMS_THROTTLE_PER_USER:
        return False
    if recent.filter(number=number).count() >= settings.SMS_THROTTLE_PER_NUMBER:
        return False
    if ip_address and recent.filter(ip_address=ip_address).count() >= settings.SMS_THROTTLE_PER_IP:
        return False
    return True


def next_send_at(*, user_id: int | None, number: str, ip_address: str | None):
    """When the limits of ``send_allowed`` allow the next text (now when they do)."""
    now = timezone.now()
    window = timedelta(seconds=settings.SMS_THROTTLE_WINDOW_SECONDS)
    recent = SmsSend.objects.filter(sent_at__gte=now - window).order_by("-sent_at")
    moments = [now]
    for queryset, limit in (
        (recent.filter(user_id=user_id) if user_id else None, settings.SMS_THROTTLE_PER_USER),
        (recent.filter(number=number), settings.SMS_THROTTLE_PER_NUMBER),
        (
            recent.filter(ip_address=ip_address) if ip_address else None,
            settings.SMS_THROTTLE_PER_IP,
        ),
    ):
        if queryset is None or limit < 1:
            continue
        sent = list(queryset.values_list("sent_at", flat=True)[:limit])
        if len(sent) >= limit:
            # The limit-th newest send leaves the window first and frees one place.
            moments.append(sent[limit - 1] + window)
    return max(moments)


def mask_number(number) -> str:
    """A phone number as the login page shows it: ``06-****5678``."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(str(number), settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return "****"
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    digits = "".join(c for c in national if c.isdigit())
    if len(digits) < 6:
        return "****"
    return f"{digits[:2]}-****{digits[-4:]}"


class Gateway:
    """The ``TWO_FACTOR_SMS_GATEWAY``: throttles, records and delivers login codes.

    Leaves the outcome on the device for the page that asked: ``sms_sent`` and, when nothing was
    sent, ``sms_next_send_at``."""

    def send_sms(self, device, token: str) -> None:
        number = str(device.number)
        ip_address = current_client_ip()
        if not send_allowed(user_id=device.user_id, number=number, ip_address=ip_address):
            # Sending more would only cost money and help someone flood a phone.
            logger.info("SMS throttled for user %s", device.user_id)
            device.sms_sent = False
            device.sms_next_send_at = next_send_at(
                user_id=device.user_id, number=number, ip_address=ip_address
            )
            return
        SmsSend.objects.create(user_id=device.user_id, number=number, ip_address=ip_address)
        token = fresh_code(device) or token
        text = _("Your %(platform)s login code is %(token)s. It is valid for 1 minute.") % {
            "platform": settings.PLATFORM_NAME,
            "token": token,
        }
        backend = import_string(settings.SMS_BACKEND)()
        backend.send(number=number, text=text)
        device.sms_sent = True

    def make_call(self, device, token: str) -> None:  # pragma: no cover - calls are not offered
        raise NotImplementedError("Ketenportal does not offer voice calls.")


def fresh_code(device) -> str | None:
    """A new key for a saved device and its current code: every text carries a code of its own
    and ends the codes sent before it (``None`` for a device being set up, whose key the setup
    wizard keeps)."""
    if not device.pk:
        return None
    from two_factor.utils import totp_digits

    digits = totp_digits()
    with transaction.atomic():
        device.key = random_hex(20)
        device.save(update_fields=["key"])
        SmsTokenUse.objects.update_or_create(device_id=device.pk, defaults={"last_t": -1})
    return str(TOTP(device.bin_key, digits=digits).token()).zfill(digits)


def verify_single_use(device, token) -> bool:
    """``PhoneDevice.verify_token`` with throttling and single use of each time step."""
    from two_factor.utils import totp_digits

    if not device.pk:
        # A device that is being set up is checked once by the setup wizard.
        return _original_verify_token(device, token)
    try:
        token = int(token)
    except (TypeError, ValueError):
        return False
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        return False
    with transaction.atomic():
        state, _created = SmsTokenUse.objects.select_for_update().get_or_create(device_id=device.pk)
        totp = TOTP(device.bin_key, digits=totp_digits())
        now_t = totp.t()
        matched = None
        for drift in range(-SMS_CODE_DRIFT_STEPS, 1):
            totp.drift = drift
            if totp.token() == token:
                matched = now_t + drift
                break
        if matched is None or matched <= state.last_t:
            device.throttle_increment(commit=True)
            return False
        state.last_t = matched
        state.save(update_fields=["last_t"])
        device.throttle_reset(commit=True)
    return True


_original_verify_token = None


def install() -> None:
    """Put ``verify_single_use`` in place of the phone plugin's ``verify_token`` (at app ready)."""
    global _original_verify_token
    from two_factor.plugins.phonenumber.models import PhoneDevice

    if getattr(PhoneDevice.verify_token, "ketenportal_single_use", False):
        return
    _original_verify_token = PhoneDevice.verify_token

    def verify_token(self, token):
        return verify_single_use(self, token)

    verify_token.ketenportal_single_use = True
    PhoneDevice.verify_token = verify_token
