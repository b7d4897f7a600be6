"""Forms of the subscription pages (back office)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisatie

from .constants import AbonnementStatus, Module


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "utrecht-textbox", **(attrs or {})}, format="%Y-%m-%d")


class ZoekForm(forms.Form):
    q = forms.CharField(label=_("Organisation name or KvK number"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All")),
            ("open", _("Waiting for the back office")),
            *AbonnementStatus.choices,
        ],
    )
    module = forms.ChoiceField(
        label=_("Module"), required=False, choices=[("", _("All")), *Module.choices]
    )


class NieuwForm(forms.Form):
    kvk_nummer = forms.CharField(
        label=_("KvK number of the organisation"), max_length=8, min_length=8
    )
    module = forms.ChoiceField(
        label=_("Module"), choices=Module.choices, initial=Module.KETENMACHTIGINGEN
    )

    def clean_kvk_nummer(self):
        kvk = self.cleaned_data["kvk_nummer"].strip()
        self.organisatie = Organisatie.objects.filter(kvk_nummer=kvk).first()
        if self.organisatie is None:
            raise forms.ValidationError(_("No organisation on the platform has this KvK number."))
        return kvk


class ActieForm(forms.Form):
    """One step of the subscription: the date it happened, and the status the actor saw."""

    expected_status = forms.ChoiceField(choices=AbonnementStatus.choices, widget=forms.HiddenInput)
    datum = forms.DateField(label=_("Date"), widget=DateInput, required=False)
    van = forms.DateField(label=_("Active from"), widget=DateInput, required=False)
    tot = forms.DateField(
        label=_("Active until"),
        widget=DateInput,
        required=False,
        help_text=_("Empty: until the back office ends it."),
    )

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["datum"] = data.get("datum") or today
        data["van"] = data.get("van") or today
        return data
