"""Forms of the accounts app."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from .constants import Rol
from .reauth import password_confirmed

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
    """Mijn profiel's own details. A new e-mail address needs the current password: whoever
    controls the address can reset the password, so a borrowed session must not move it."""

    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    telefoonnummer = PhoneNumberField(label=_("Phone number"), required=False, region="NL")
    taal = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    email_berichten = forms.BooleanField(
        label=_("E-mail me when a message arrives in the berichtenbox"), required=False
    )
    weekoverzicht = forms.BooleanField(
        label=_("E-mail me a weekly overview of what needs doing"),
        help_text=_(
            "On Monday morning, for each organisation you are beheerder of: renewals due, "
            "requests with an error or incomplete, invitations that lapse soon, e-mails that "
            "could not be delivered. No e-mail in a week with nothing to do."
        ),
        required=False,
    )
    password = forms.CharField(
        label=_("Current password"),
        required=False,
        strip=False,
        help_text=_("Needed only when you change your e-mail address."),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, request: HttpRequest, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self) -> dict:
        cleaned = super().clean()
        email = cleaned.get("email")
        user = self.request.user
        if email and User.objects.normalize_email(email) != user.email:
            password = cleaned.get("password") or ""
            if not password:
                self.add_error(
                    "password", _("Enter your current password to change your e-mail address.")
                )
            elif not password_confirmed(self.request, password):
                self.add_error("password", _("This password is not correct."))
        return cleaned

    def profile_values(self) -> dict:
        """The cleaned values to save: everything except the password."""
        return {k: v for k, v in self.cleaned_data.items() if k != "password"}


class ReauthForm(forms.Form):
    """Bevestig uw wachtwoord: the logged-in person's own password, again."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, *args, request: HttpRequest, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not password_confirmed(self.request, password):
            raise forms.ValidationError(_("This password is not correct."), code="wrong_password")
        return password


class RolForm(forms.Form):
    rol = forms.ChoiceField(label=_("Role"), choices=Rol.choices, widget=forms.RadioSelect)


class GebruikerSearchForm(forms.Form):
    q = forms.CharField(label=_("Search by user"), required=False, max_length=100)


class OrganisatieSwitchForm(forms.Form):
    organisatie = forms.IntegerField(widget=forms.HiddenInput)
