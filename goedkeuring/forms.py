"""Forms of the public pages: the code, approving online, declining."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .pdfcheck import check_pdf

ONDERTEKENAARS = 3


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("Enter the 6 digits of the code.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "size": 8}
        ),
    )


class GoedkeurenForm(forms.Form):
    """Up to three signatories (at least one), the declaration, and the signed form."""

    verklaring = forms.BooleanField(
        label=_(
            "I declare that each signatory is authorised to represent the company "
            "(bevoegd vertegenwoordiger) as registered at the KvK."
        ),
    )
    bestand = forms.FileField(
        label=_("The signed form (PDF, at most 10 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, ONDERTEKENAARS + 1):
            self.fields[f"naam_{i}"] = forms.CharField(
                label=_("Name"), max_length=200, required=False
            )
            self.fields[f"functie_{i}"] = forms.CharField(
                label=_("Function"), max_length=100, required=False
            )
            self.fields[f"email_{i}"] = forms.EmailField(label=_("E-mail address"), required=False)
        self.pages = 0

    def rows(self):
        return [
            (self[f"naam_{i}"], self[f"functie_{i}"], self[f"email_{i}"])
            for i in range(1, ONDERTEKENAARS + 1)
        ]

    def clean_bestand(self):
        bestand = self.cleaned_data["bestand"]
        self.pages = check_pdf(bestand)
        return bestand

    def clean(self):
        data = super().clean()
        signatories = []
        for i in range(1, ONDERTEKENAARS + 1):
            row = {k: (data.get(f"{k}_{i}") or "").strip() for k in ("naam", "functie", "email")}
            if not any(row.values()):
                continue
            for key, value in row.items():
                if not value and f"{key}_{i}" not in self.errors:
                    self.add_error(
                        f"{key}_{i}", _("Fill in the name, function and e-mail address.")
                    )
            signatories.append(row)
        if not signatories:
            raise ValidationError(_("Name at least one signatory."), code="none")
        data["ondertekenaars"] = signatories
        return data


class AfwijzenForm(forms.Form):
    reden = forms.CharField(
        label=_("Reason (optional, shown to the intermediair)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
