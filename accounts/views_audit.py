"""Overige wijzigingen ("other changes"): the organisation's audit trail, for its beheerders.

Every change to users, memberships, groups, settings and ketenmachtigingen leaves an
``AuditEntry`` (see ``accounts.audit``). This page lists those of the organisation being managed,
filtered by kind, period and a search term, and exports the same selection as CSV or XLSX.

Access: beheerders of ``request.organisatie`` only (``BeheerderRequiredMixin``); the rows come
from ``selectors.audit_entries_for``, which never returns another organisation's rows.
"""

from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import HttpResponseBase, QueryDict
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from ketenportal.utils.exports import csv_response, xlsx_response

from . import audit_display, selectors
from .forms_audit import FILTER_FIELDS, AuditFilterForm
from .mixins import BeheerderRequiredMixin
from .models import AuditEntry

EXPORT_FORMATS = ("csv", "xlsx")
# Rows fetched per database round trip while an export is written; never all rows at once.
EXPORT_CHUNK_SIZE = 2000


class AuditFilterMixin:
    """The filter form read from the query string, and the rows it selects."""

    def get_filter_form(self) -> AuditFilterForm:
        if not hasattr(self, "_filter_form"):
            # Unbound without filter parameters, so "?page=2" alone shows no errors.
            filtering = any(name in self.request.GET for name in FILTER_FIELDS)
            self._filter_form = AuditFilterForm(self.request.GET if filtering else None)
        return self._filter_form

    def get_filtered_entries(self) -> QuerySet[AuditEntry]:
        return selectors.audit_entries_for(
            organisatie=self.request.organisatie,
            met_ketenmachtigingen=self.request.user.can_use_ketenmachtigingen,
            **self.get_filter_form().filters(),
        )


class AuditLogView(BeheerderRequiredMixin, AuditFilterMixin, ListView):
    """The audit trail of the managed organisation, 50 rows a page, with export links.

    Access: beheerder of ``request.organisatie``.
    """

    template_name = "accounts/audit_log.html"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[AuditEntry]:
        return self.get_filtered_entries()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entries = list(context["page_obj"].object_list)
        for entry in entries:
            entry.change_lines = audit_display.change_lines(entry)
            entry.description = audit_display.describe(entry)
            entry.extra_message = audit_display.extra_message(entry)
            entry.actor_text = audit_display.actor_text(entry)
            entry.object_text = audit_display.object_text(entry)
        context["entries"] = entries
        context["filter_form"] = self.get_filter_form()
        export_url = reverse("accounts:overige_wijzigingen_export")
        context["export_links"] = [
            (label, f"{export_url}?{self._export_query(fmt)}")
            for fmt, label in (("csv", _("CSV")), ("xlsx", _("Excel (XLSX)")))
        ]
        return context

    def _export_query(self, fmt: str) -> str:
        """The current filter (not the page) plus the format, for the export links."""
        params = QueryDict(mutable=True)
        for name in FILTER_FIELDS:
            if value := self.request.GET.get(name, ""):
                params[name] = value
        params["format"] = fmt
        return params.urlencode()


class AuditExportView(BeheerderRequiredMixin, AuditFilterMixin, View):
    """The filtered audit trail as a CSV (default) or XLSX download, streamed in chunks.

    Access: beheerder of ``request.organisatie``.
    """

    http_method_names = ["get"]

    def get(self, request, *args, **kwargs) -> HttpResponseBase:
        fmt = request.GET.get("format", "csv")
        if fmt not in EXPORT_FORMATS:
            fmt = "csv"
        organisatie = request.organisatie
        filename = f"overige-wijzigingen-{organisatie.kvk_nummer}-{timezone.localdate():%Y%m%d}"
        header = [_("Time"), _("Who"), _("Kind"), _("What happened"), _("Object"), _("Changes")]
        rows = _export_rows(self.get_filtered_entries(), language=translation.get_language())
        if fmt == "xlsx":
            return xlsx_response(rows, header=header, filename=filename, sheet_title=_("Changes"))
        return csv_response(rows, header=header, filename=filename)


def _export_rows(entries: QuerySet[AuditEntry], *, language: str | None) -> Iterator[tuple]:
    # A CSV is written while it is sent, after the view has returned: keep the request's
    # language for the labels.
    # The same words as the page: ``accounts.audit_display``.
    with translation.override(language):
        for entry in entries.iterator(chunk_size=EXPORT_CHUNK_SIZE):
            who = audit_display.actor_text(entry)
            yield (
                entry.timestamp,
                _("%(who)s (via %(via)s)") % {"who": who, "via": entry.via} if entry.via else who,
                audit_display.kind_text(entry),
                audit_display.describe(entry),
                audit_display.object_text(entry),
                audit_display.changes_text(entry),
            )
