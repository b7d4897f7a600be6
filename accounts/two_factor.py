"""Glue between django-two-factor-auth and Ketenportal: the SMS method and its setup form."""

from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import PhoneNumber
from two_factor.plugins.phonenumber.forms import PhoneNumberForm
from two_factor.plugins.phonenumber.method import SMSMethod

from .sms import validate_sms_number


class SmsNumberForm(PhoneNumberForm):
    """The phone number for SMS codes: a valid mobile number of an allowed region."""

    def clean_number(self) -> str:
        number = self.cleaned_data["number"]
        validate_sms_number(number)
        return PhoneNumber.from_string(number, region="NL").as_e164


class SmsMethod(SMSMethod):
    verbose_name = _("Text message (SMS)")

    def get_setup_forms(self, *args):
        return {self.code: SmsNumberForm}


def axes_username(request, credentials: dict | None = None) -> str | None:
    """The username django-axes keys lockouts on: from ``authenticate()``'s credentials, or the
    two-factor login wizard's ``auth-username`` field."""
    if credentials and credentials.get("username"):
        return str(credentials["username"])
    if request is not None and request.method == "POST":
        return request.POST.get("auth-username") or None
    return None
