"""Forms of ketenmachtigingen. Choice fields take their querysets from the organisation being
managed, so an id of another organisation is an invalid choice, never a link."""

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from accounts.constants import KETENMACHTIGING_MIN_RANK
from accounts.models import Lidmaatschap, Organisatie
from groepen.models import Groep

from .constants import (
    DEFAULT_LOOPTIJD,
    EIGEN_LEVERANCIER,
    LOOPTIJD_CHOICES,
    PAGE_SIZES,
    PENDING,
    Bron,
    Sort,
    Status,
    Verlenging,
)
from .selectors import OverzichtFilters


class BedrijfZoekForm(forms.Form):
    nummer = forms.CharField(
        label=_("KvK number or fiscal number"),
        max_length=20,
        help_text=_(
            "Enter the KvK number (8 digits) of the company for which you want to add a "
            "ketenmachtiging. A company without a KvK number: enter its fiscal number (9 digits)."
        ),
        error_messages={"required": _("Enter a KvK number or fiscal number.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class IntermediairZoekForm(BedrijfZoekForm):
    """Afgeven, step 1: the intermediair the organisation grants a ketenmachtiging to."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nummer"].help_text = _(
            "Enter the KvK number (8 digits) of the intermediair (for instance your accountant "
            "or payroll office) to whom you want to grant a ketenmachtiging. An intermediair "
            "without a KvK number: enter its fiscal number (9 digits)."
        )


class GebruikersKeuzeForm(forms.Form):
    """Kies gebruikers: users (EH3 or higher, not Belastingdienst-only) and groups of the
    intermediair."""

    gebruikers = forms.ModelMultipleChoiceField(
        queryset=Lidmaatschap.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": _("One of the chosen users cannot be linked."),
            "invalid_pk_value": _("One of the chosen users cannot be linked."),
        },
    )
    groepen = forms.ModelMultipleChoiceField(
        queryset=Groep.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": _("One of the chosen groups cannot be linked."),
            "invalid_pk_value": _("One of the chosen groups cannot be linked."),
        },
    )

    def __init__(self, *args, organisatie: Organisatie, require_choice: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.require_choice = require_choice
        self.fields["gebruikers"].queryset = Lidmaatschap.objects.filter(
            organisatie=organisatie,
            user__is_active=True,
            user__eh_niveau_rank__gte=KETENMACHTIGING_MIN_RANK,
            user__alleen_belastingdienst=False,
        )
        self.fields["groepen"].queryset = Groep.objects.filter(organisatie=organisatie)

    def clean(self):
        cleaned = super().clean()
        if (
            self.require_choice
            and not self.errors
            and not cleaned.get("gebruikers")
            and not cleaned.get("groepen")
        ):
            raise forms.ValidationError(_("Choose at least one user or group."), code="empty")
        return cleaned


class DuurForm(forms.Form):
    looptijd = forms.TypedChoiceField(
        label=_("Choose the term of the authorisations"),
        choices=LOOPTIJD_CHOICES,
        coerce=int,
        initial=DEFAULT_LOOPTIJD,
        help_text=_("By default a ketenmachtiging lasts 5 years. It can be ended every year."),
    )
    referentie = forms.CharField(
        label=_("Your reference"),
        required=False,
        max_length=100,
        help_text=_("For your own administration; shown in the overview and exports."),
    )


class EigenContactForm(forms.Form):
    """The intermediair's own contact person, whom the relatie can ask questions (manual 3.1:
    "Gegevens contactpersoon bij <intermediair>"); prefilled from the Afzenderinstellingen."""

    voorletters = forms.CharField(label=_("Initials"), max_length=20)
    tussenvoegsel = forms.CharField(label=_("Infix"), max_length=20, required=False)
    achternaam = forms.CharField(label=_("Surname"), max_length=100)
    email = forms.EmailField(label=_("E-mail address"))
    telefoon = PhoneNumberField(label=_("Phone number"), region="NL")

    def clean_telefoon(self):
        return self.cleaned_data["telefoon"].as_e164


class VersturenForm(EigenContactForm):
    """Verstuur aanvraag tot goedkeuring: the contacts, language, message and the costs."""

    # The relatie's contact person, who receives the invitation (manual 3.1: "Gegevens
    # contactpersoon bij <relatie>"); the e-mail and the form greet this person by name.
    relatie_voorletters = forms.CharField(label=_("Initials"), max_length=20)
    relatie_tussenvoegsel = forms.CharField(label=_("Infix"), max_length=20, required=False)
    relatie_achternaam = forms.CharField(label=_("Surname"), max_length=100)
    relatie_email = forms.EmailField(label=_("E-mail address"))
    relatie_telefoon = PhoneNumberField(label=_("Phone number"), region="NL")
    taal = forms.ChoiceField(
        label=_("Preferred language of the recipients"),
        choices=settings.LANGUAGES,
        help_text=_("The e-mail and the form are sent in this language."),
    )
    persoonlijk_bericht = forms.CharField(
        label=_("Personal message for the recipients"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Add a personal note; it is shown at the bottom of the e-mail. There is no need to "
            "explain ketenmachtigingen or the content of this request: the standard text of the "
            "e-mail does that."
        ),
    )
    akkoord_kosten = forms.BooleanField(
        label=_("Yes, I agree to the costs of registering this ketenmachtiging."),
        error_messages={"required": _("Agree to the costs to send the request.")},
    )

    def clean_relatie_telefoon(self):
        value = self.cleaned_data["relatie_telefoon"]
        return value.as_e164 if value else ""


#: The fields of ``VersturenForm`` about the relatie's contact person.
RELATIE_CONTACT_FIELDS = (
    "relatie_voorletters",
    "relatie_tussenvoegsel",
    "relatie_achternaam",
    "relatie_email",
    "relatie_telefoon",
)


class ImportVersturenForm(VersturenForm):
    """Sending an import: the relatie contacts come from the file."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in RELATIE_CONTACT_FIELDS:
            del self.fields[name]


class VerlengSelectieForm(EigenContactForm):
    """Verleng selectie (tab Acties): the office's contact and the costs, once for all chosen
    rows, as for one request. The rows themselves (recipient name, e-mail address, language)
    are read by the view and checked by the service, which names the rows it refuses."""

    akkoord_kosten = forms.BooleanField(
        label=_("Yes, I agree to the costs of registering these ketenmachtigingen."),
        error_messages={"required": _("Agree to the costs to send the renewal requests.")},
    )


class ImportUploadForm(forms.Form):
    bestand = forms.FileField(
        label=_("Choose a file"),
        help_text=_("The filled-in Excel template (.xlsx), at most 5 MB and 10,000 companies."),
        error_messages={"required": _("Choose the Excel file with the companies.")},
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )


class GoedgekeurdForm(forms.Form):
    leverancier = forms.ChoiceField(
        label=_("Choose organisation"),
        help_text=_("Choose the organisation where the ketenmachtiging was registered."),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the organisation where it was registered.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = [*settings.LEVERANCIERS]
        if EIGEN_LEVERANCIER not in names:
            names.append(EIGEN_LEVERANCIER)
        self.fields["leverancier"].choices = [(n, n) for n in names]


class BeeindigForm(forms.Form):
    DIRECT = "direct"
    DATUM = "datum"
    wijze = forms.ChoiceField(
        label=_("When"),
        choices=[(DIRECT, _("At once")), (DATUM, _("On a specific end date in the future"))],
        widget=forms.RadioSelect,
        initial=DIRECT,
    )
    datum = forms.DateField(
        label=_("Choose an end date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, einddatum=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.einddatum = einddatum
        today = timezone.localdate()
        self.fields["datum"].widget.attrs["min"] = today.isoformat()
        if einddatum:
            self.fields["datum"].widget.attrs["max"] = einddatum.isoformat()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("wijze") == self.DATUM:
            datum = cleaned.get("datum")
            today = timezone.localdate()
            if datum is None:
                self.add_error("datum", _("Choose the date on which it ends."))
            elif datum <= today:
                self.add_error("datum", _("Choose a date in the future."))
            elif self.einddatum and datum > self.einddatum:
                self.add_error(
                    "datum",
                    _("Choose a date on or before the end of the term (%(datum)s).")
                    % {"datum": self.einddatum.strftime("%d-%m-%Y")},
                )
        return cleaned


class BackofficeActieForm(forms.Form):
    expected_status = forms.ChoiceField(choices=Status.choices, widget=forms.HiddenInput)
    reden = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class BackofficeZoekForm(forms.Form):
    q = forms.CharField(label=_("Reference, KvK number or name"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Waiting to be processed")),
            ("digitaal", _("Received online")),
            *Status.choices,
        ],
    )


class AfzenderForm(forms.Form):
    voorletters = forms.CharField(label=_("Initials"), max_length=20, required=False)
    tussenvoegsel = forms.CharField(label=_("Infix"), max_length=20, required=False)
    achternaam = forms.CharField(label=_("Surname"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    telefoon = PhoneNumberField(label=_("Phone number"), region="NL", required=False)
    herinneringen = forms.BooleanField(
        label=_("Remind the relation's contact while an invitation waits"), required=False
    )
    herinnering_1_dagen = forms.IntegerField(
        label=_("First reminder after (days)"), min_value=1, max_value=85, initial=14
    )
    herinnering_2_dagen = forms.IntegerField(
        label=_("Second reminder after (days)"), min_value=2, max_value=89, initial=42
    )

    def clean_telefoon(self):
        value = self.cleaned_data["telefoon"]
        return value.as_e164 if value else ""

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("herinnering_1_dagen"), cleaned.get("herinnering_2_dagen")
        if first and second and second <= first:
            self.add_error(
                "herinnering_2_dagen", _("The second reminder must come after the first.")
            )
        return cleaned


class AfgevenForm(forms.Form):
    looptijd = forms.TypedChoiceField(
        label=_("Choose the term of the authorisations"),
        choices=LOOPTIJD_CHOICES,
        coerce=int,
        initial=DEFAULT_LOOPTIJD,
    )
    akkoord_kosten = forms.BooleanField(
        label=_("Yes, I agree to the costs of registering this ketenmachtiging."),
        error_messages={"required": _("Agree to the costs to register the ketenmachtiging.")},
    )


class FeitenMailForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of your intermediair"))


class AfwijzenForm(forms.Form):
    """ "Wijs af": the relatie's beheerder declines a request, with the reason the intermediair
    reads."""

    reden = forms.CharField(
        label=_("Reason for declining"),
        help_text=_("The intermediair reads this reason."),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give a reason for declining the request.")},
    )


def _sort_choices() -> list[tuple[str, str]]:
    choices = []
    for sort in Sort:
        choices.append((sort.value, _("%(column)s, ascending") % {"column": sort.label}))
        choices.append((f"-{sort.value}", _("%(column)s, descending") % {"column": sort.label}))
    return choices


class OverzichtFilterForm(forms.Form):
    """The overview's search, filters, sort and page size (GET, all optional). The ids are
    validated against what ``selectors.overzicht_filter_choices`` gives for the organisation,
    so another organisation's user or group is an invalid choice. A value that is not valid is
    left out (``filters()`` uses only the valid ones) and the page says so (``problems()``)."""

    q = forms.CharField(label=_("Search by name, KvK number or reference"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All"))] + [(s.value, s.label) for s in Status if s in PENDING],
        error_messages={"invalid_choice": _("The chosen status is unknown.")},
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("", _("Default order"))] + [(value, label) for value, label in _sort_choices()],
        error_messages={"invalid_choice": _("The chosen order is unknown.")},
    )
    gebruiker = forms.ModelChoiceField(
        label=_("User"),
        queryset=Lidmaatschap.objects.none(),
        required=False,
        empty_label=_("All"),
        error_messages={"invalid_choice": _("The chosen user is not a user of your organisation.")},
    )
    groep = forms.ModelChoiceField(
        label=_("Group"),
        queryset=Groep.objects.none(),
        required=False,
        empty_label=_("All"),
        error_messages={
            "invalid_choice": _("The chosen group is not a group of your organisation.")
        },
    )
    dienstverlener = forms.ModelChoiceField(
        label=_("Service provider"),
        queryset=Groep.objects.none(),
        required=False,
        empty_label=_("All"),
        error_messages={"invalid_choice": _("The chosen service provider is unknown.")},
    )
    dienst = forms.ModelChoiceField(
        label=_("Service"),
        queryset=Groep.objects.none(),
        required=False,
        empty_label=_("All"),
        error_messages={"invalid_choice": _("The chosen service is unknown.")},
    )
    einde_binnen = forms.IntegerField(
        label=_("Ends within (months)"),
        required=False,
        min_value=1,
        max_value=120,
        error_messages={
            "invalid": _("Enter the number of months as a whole number."),
            "min_value": _("Enter a number of months from 1 to 120."),
            "max_value": _("Enter a number of months from 1 to 120."),
        },
    )
    einde_van = forms.DateField(
        label=_("End date from"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Enter the first end date as a date (YYYY-MM-DD).")},
    )
    einde_tot = forms.DateField(
        label=_("End date until"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Enter the last end date as a date (YYYY-MM-DD).")},
    )
    bron = forms.ChoiceField(
        label=_("Origin"),
        required=False,
        choices=[("", _("All")), *Bron.choices],
        error_messages={"invalid_choice": _("The chosen origin is unknown.")},
    )
    verlenging = forms.ChoiceField(
        label=_("Renewal requested"),
        required=False,
        choices=[("", _("All")), *Verlenging.choices],
        error_messages={"invalid_choice": _("Choose yes or no for the renewal.")},
    )
    per_pagina = forms.TypedChoiceField(
        label=_("Per page"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[(str(n), str(n)) for n in PAGE_SIZES],
        error_messages={"invalid_choice": _("Choose 25, 50, 100 or 250 per page.")},
    )

    #: The parameters that narrow the list (what "Wis filters" removes).
    FILTERS = (
        "q",
        "status",
        "gebruiker",
        "groep",
        "dienstverlener",
        "dienst",
        "einde_binnen",
        "einde_van",
        "einde_tot",
        "bron",
        "verlenging",
    )

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for name, key in (
            ("gebruiker", "gebruikers"),
            ("groep", "groepen"),
            ("dienstverlener", "dienstverleners"),
            ("dienst", "diensten"),
        ):
            self.fields[name].queryset = choices[key]

    def clean_q(self) -> str:
        return self.cleaned_data["q"].strip()[:100]

    def clean(self):
        cleaned = super().clean()
        van, tot = cleaned.get("einde_van"), cleaned.get("einde_tot")
        if van and tot and van > tot:
            self.add_error(
                "einde_tot", _("The last end date is before the first; the dates are ignored.")
            )
            cleaned.pop("einde_van", None)
        return cleaned

    def value(self, name: str):
        """The cleaned value of ``name``, or its empty value when it was not valid."""
        self.is_valid()
        if name in self.errors:
            return None
        return self.cleaned_data.get(name)

    def problems(self) -> list[str]:
        """The messages of the parameters that are ignored, once each, in field order."""
        self.is_valid()
        return [str(message) for errors in self.errors.values() for message in errors]

    def filters(self) -> OverzichtFilters:
        def pk(name: str) -> int | None:
            obj = self.value(name)
            return obj.pk if obj is not None else None

        verlenging = self.value("verlenging")
        return OverzichtFilters(
            gebruiker_id=pk("gebruiker"),
            groep_id=pk("groep"),
            dienstverlener_id=pk("dienstverlener"),
            dienst_id=pk("dienst"),
            einde_binnen=self.value("einde_binnen"),
            einde_van=self.value("einde_van"),
            einde_tot=self.value("einde_tot"),
            bron=self.value("bron") or "",
            verlenging=None if not verlenging else verlenging == Verlenging.JA,
        )
