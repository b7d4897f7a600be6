"""Forms of EH-middelen: the list's filter (GET), a request for a means, a refusal."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from ..constants import MIDDEL_NIVEAUS, MiddelSoort, MiddelStatus

#: The query-string parameters of the filter, repeated by the export links.
FILTER_FIELDS = ("q", "status", "niveau", "soort", "belastingdienst", "verloopt")

NIVEAU_KEUZES = [(n.value, n.label) for n in MIDDEL_NIVEAUS]


class EHMiddelFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by holder"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *MiddelStatus.choices]
    )
    niveau = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("All")), *NIVEAU_KEUZES]
    )
    soort = forms.ChoiceField(
        label=_("Second factor"), required=False, choices=[("", _("All")), *MiddelSoort.choices]
    )
    belastingdienst = forms.ChoiceField(
        label=_("Belastingdienst only"),
        required=False,
        choices=[("", _("All")), ("ja", _("Yes")), ("nee", _("No"))],
    )
    verloopt = forms.BooleanField(label=_("Expires within 2 months"), required=False)

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for ``selectors.ehmiddelen_for``: only what validated."""
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        belastingdienst = {"ja": True, "nee": False}.get(data.get("belastingdienst") or "")
        return {
            "search": data.get("q") or "",
            "status": data.get("status") or "",
            "niveau": data.get("niveau") or "",
            "soort": data.get("soort") or "",
            "alleen_belastingdienst": belastingdienst,
            "verloopt_binnenkort": bool(data.get("verloopt")),
        }


class EHMiddelAanvraagForm(forms.Form):
    voornaam = forms.CharField(label=_("First name"), max_length=150)
    achternaam = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    telefoonnummer = PhoneNumberField(label=_("Mobile phone number"), region="NL")
    niveau = forms.ChoiceField(label=_("Level"), choices=NIVEAU_KEUZES, initial=MIDDEL_NIVEAUS[1])
    soort = forms.ChoiceField(
        label=_("Second factor"),
        choices=[(s.value, s.label) for s in (MiddelSoort.APP, MiddelSoort.SMS)],
        widget=forms.RadioSelect,
        initial=MiddelSoort.APP,
    )

    def clean_voornaam(self) -> str:
        return _no_line_breaks(self.cleaned_data["voornaam"])

    def clean_achternaam(self) -> str:
        return _no_line_breaks(self.cleaned_data["achternaam"])


def _no_line_breaks(value: str) -> str:
    if any(c in value for c in "\r\n\x00"):
        raise forms.ValidationError(_("Enter the name on one line."), code="line_break")
    return value.strip()


class WeigerForm(forms.Form):
    reden = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
