"""The form of Instellingen > API-sleutels > Nieuwe sleutel."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import Toegang


class ApiKeyForm(forms.Form):
    naam = forms.CharField(
        label=_("Name"),
        max_length=100,
        error_messages={"required": _("Give the key a name, so you can tell it apart.")},
        help_text=_("For instance the software that will use it: “Practice management”."),
    )
    toegang = forms.ChoiceField(
        label=_("Access"),
        choices=Toegang.choices,
        initial=Toegang.LEZEN,
        widget=forms.RadioSelect,
        help_text=_(
            "Read only: look up ketenmachtigingen, services, groups, users and messages. "
            "Read and write: also request, register, renew and end ketenmachtigingen."
        ),
    )
    geldig_tot = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty for a key without an end date. You can revoke a key at any time."),
    )

    def clean_naam(self):
        naam = self.cleaned_data["naam"].strip()
        if not naam:
            raise forms.ValidationError(_("Give the key a name, so you can tell it apart."))
        return naam

    def clean_geldig_tot(self):
        value = self.cleaned_data.get("geldig_tot")
        if value is not None and value <= timezone.localdate():
            raise forms.ValidationError(_("The expiry date must be after today."))
        return value
