"""The filter of the "overige wijzigingen" page and its export: kind, period and a search term.

The form is read from the query string (GET), so a filtered list can be bookmarked and the
export links can carry the same filter. A value that does not validate is shown as an error and
simply not applied; the page never fails because of a hand-edited URL.
"""

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .constants import AuditKind

#: The query-string parameters the filter reads, in the order the export links repeat them.
FILTER_FIELDS = ("kind", "date_from", "date_to", "search")

# The date input of browsers sends ISO dates; people typing in a browser without one write Dutch.
_DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d-%m-%Y"]
_EARLIEST = date(2000, 1, 1)
_LATEST = date(2999, 12, 31)


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=_DATE_INPUT_FORMATS,
        widget=forms.DateInput(
            attrs={"type": "date", "min": _EARLIEST.isoformat(), "max": _LATEST.isoformat()},
            format="%Y-%m-%d",
        ),
        # A year like 0001 or 9999 would overflow when converted to UTC in the query.
        validators=[_within_range],
    )


def _within_range(value: date) -> None:
    if not _EARLIEST <= value <= _LATEST:
        raise forms.ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s."),
            code="out_of_range",
            params={"earliest": "01-01-2000", "latest": "31-12-2999"},
        )


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *AuditKind.choices],
    )
    date_from = _date_field(_("From"))
    date_to = _date_field(_("Up to and including"))
    search = forms.CharField(
        label=_("Search by object or person"),
        required=False,
        max_length=100,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end date must be on or after the start date."))
        return cleaned

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for ``audit_entries_for``: only what validated.

        A period with any error in it is dropped as a whole, so a list is never narrowed by half
        of a period the person did not mean.
        """
        if not self.is_bound:
            return {}
        self.is_valid()
        data = self.cleaned_data
        filters: dict[str, Any] = {
            "kind": data.get("kind") or "",
            "search": data.get("search") or "",
        }
        if not (self.has_error("date_from") or self.has_error("date_to")):
            filters["date_from"] = data.get("date_from")
            filters["date_to"] = data.get("date_to")
        return filters
