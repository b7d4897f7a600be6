"""Forms of the accounts app."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from .constants import Rol

User = get_user_model()


class UsernameOrEmailPasswordResetForm(PasswordResetForm):
    """Ask for a username or an e-mail address; mail a reset link to the registered address.

    The response is the same whether or not an account matches, so the form reveals nothing.
    """

    email = forms.CharField(
        label=_("Username or e-mail address"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )

    def get_users(self, email: str):
        value = email.strip()
        if not value:
            return []
        users = User._default_manager.filter(
            Q(username__iexact=value) | Q(email__iexact=value), is_active=True
        ).exclude(email="")
        return (u for u in users if u.has_usable_password())


class UsernameRecoveryForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class VerifyTokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class ProfielForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    telefoonnummer = PhoneNumberField(label=_("Phone number"), required=False, region="NL")
    taal = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    email_berichten = forms.BooleanField(
        label=_("E-mail me when a message arrives in the berichtenbox"), required=False
    )


class RolForm(forms.Form):
    rol = forms.ChoiceField(label=_("Role"), choices=Rol.choices, widget=forms.RadioSelect)


class GebruikerSearchForm(forms.Form):
    q = forms.CharField(label=_("Search by user"), required=False, max_length=100)


class OrganisatieSwitchForm(forms.Form):
    organisatie = forms.IntegerField(widget=forms.HiddenInput)
