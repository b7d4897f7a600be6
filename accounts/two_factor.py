"""Glue between django-two-factor-auth and Ketenportal: the SMS method and its setup form, and
the setup and backup-code pages.

A person who already has a second factor must enter the password again before adding another
one or making new backup codes (``accounts.reauth``); each such change is audited and mailed to
the person. Backup codes are shown once, when they are made, and never again.
"""

from django import forms
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.generic import FormView
from django_otp.plugins.otp_static.models import StaticToken
from phonenumber_field.phonenumber import PhoneNumber
from two_factor import views as two_factor_views
from two_factor.plugins.phonenumber.forms import PhoneNumberForm, PhoneNumberMethodForm
from two_factor.plugins.phonenumber.method import SMSMethod
from two_factor.plugins.phonenumber.models import PhoneDevice
from two_factor.plugins.phonenumber.views import PhoneSetupView

from . import services
from .reauth import already_verified, requires_recent_password
from .sms import validate_sms_number


class SmsNumberForm(PhoneNumberForm):
    """The phone number for SMS codes: a valid mobile number of an allowed region."""

    def clean_number(self) -> str:
        number = self.cleaned_data["number"]
        validate_sms_number(number)
        return PhoneNumber.from_string(number, region="NL").as_e164


class BackupPhoneForm(PhoneNumberMethodForm):
    """A backup number for SMS codes: the same rules as the first one; text messages only."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields["number"].label = _("Mobile number")
        self.fields["method"].widget = forms.HiddenInput()
        self.fields["method"].initial = "sms"
        self.fields["method"].required = False

    def clean_number(self) -> str:
        number = self.cleaned_data["number"]
        validate_sms_number(number)
        return PhoneNumber.from_string(number, region="NL").as_e164

    def clean_method(self) -> str:
        return "sms"


class SmsMethod(SMSMethod):
    verbose_name = _("Text message (SMS)")

    def get_setup_forms(self, *args):
        return {self.code: SmsNumberForm}


def axes_username(request, credentials: dict | None = None) -> str | None:
    """The username django-axes keys lockouts on: from ``authenticate()``'s credentials, or the
    two-factor login wizard's ``auth-username`` field.

    django-axes passes the credentials under ``username`` when it records a failure, and under
    ``AXES_USERNAME_FORM_FIELD`` (``auth-username``) when it checks for a lockout: both count, or
    a form without that field (Bevestig uw wachtwoord) would never be found locked out."""
    for key in ("username", "auth-username"):
        if credentials and credentials.get(key):
            return str(credentials[key])
    if request is not None and request.method == "POST":
        return request.POST.get("auth-username") or None
    return None


@method_decorator(requires_recent_password(when=already_verified), name="dispatch")
class SetupView(two_factor_views.SetupView):
    """Set up a second factor. The first one, right after the password, as django-two-factor-auth
    does; another one (a verified person) only with a recent password. Every new device is
    audited and mailed to the person. A person who has a device is sent on to ``next`` only
    when it is a path on this site (``safe_next``)."""

    def get_redirect_url(self) -> str:
        from .views import safe_next

        return safe_next(self.request, "")

    def done(self, form_list, **kwargs):
        with transaction.atomic():
            response = super().done(form_list, **kwargs)
            # django_otp.login (in super().done) put the new device on the user.
            services.user_second_factor_added(
                actor=self.request.user, user=self.request.user, device=self.request.user.otp_device
            )
        return response


@method_decorator(requires_recent_password(when=already_verified), name="dispatch")
class QRGeneratorView(two_factor_views.QRGeneratorView):
    """The QR code of a setup in progress: the same rule as the setup page."""


@method_decorator(never_cache, name="dispatch")
class BackupTokensView(FormView):
    """Backup codes: how many are left, and new ones on request (the password again).

    Replaces django-two-factor-auth's page, which lists the existing codes on every visit: here
    the codes are shown once, in the answer to the request that made them.
    """

    form_class = forms.Form
    template_name = "two_factor/core/backup_tokens.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["remaining"] = StaticToken.objects.filter(device__user=self.request.user).count()
        return context

    @method_decorator(requires_recent_password)
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        user = self.request.user
        codes = services.user_backup_codes_regenerate(actor=user, user=user)
        return self.render_to_response(self.get_context_data(form=form, new_codes=codes))


@method_decorator(requires_recent_password, name="dispatch")
class BackupPhoneSetupView(PhoneSetupView):
    """Add a backup phone number: a code is sent to it first, to check it. Offered at the login
    page ("Send a text message to 06-****5678") when the usual factor is not at hand. Like any
    new factor: the password again, an audit row and an e-mail to the person."""

    template_name = "two_factor/core/phone_register.html"
    form_list = (
        ("setup", BackupPhoneForm),
        ("validation", PhoneSetupView.form_list[1][1]),
    )
    success_url = "accounts:profiel"

    def done(self, form_list, **kwargs):
        with transaction.atomic():
            device = self.get_device(user=self.request.user, name="backup")
            device.save()
            services.user_second_factor_added(
                actor=self.request.user, user=self.request.user, device=device
            )
        return redirect(self.success_url)


class BackupPhoneDeleteView(FormView):
    """Remove a backup phone number (POST only); the usual factor stays. Someone else's number
    is a 404 before anything else; then the password again, like any change of a factor."""

    form_class = forms.Form
    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        own = PhoneDevice.objects.filter(user=request.user, name="backup", pk=kwargs["pk"])
        if not own.exists():
            raise Http404
        if request.method != "POST":
            return self.http_method_not_allowed(request, *args, **kwargs)

        @requires_recent_password
        def checked(request, *args, **kwargs):
            return super(BackupPhoneDeleteView, self).dispatch(request, *args, **kwargs)

        return checked(request, *args, **kwargs)

    def form_valid(self, form):
        services.user_backup_phone_remove(
            actor=self.request.user, user=self.request.user, device_id=self.kwargs["pk"]
        )
        return redirect("accounts:profiel")
