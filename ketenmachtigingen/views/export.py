"""Export of the overview "ketenmachtigingen van relaties" as .csv or .xlsx (manual 5.2)."""

from django.http import Http404, HttpRequest, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from abonnementen.mixins import AbonnementRequiredMixin
from accounts.models import Organisatie
from ketenportal.utils.exports import csv_response, safe_filename, xlsx_response

from .. import selectors
from ..constants import Tab
from ..exports import export_header, export_queryset, export_rows
from ..forms import OverzichtFilterForm

#: The manual offers exports of Actief, Wachtend op afhandeling and Verlopen; Historie (ended,
#: withdrawn and lapsed ones) and Acties (the ketenmachtigingen to renew, a subset of Actief)
#: can be exported like them.
EXPORT_TABS = (Tab.ACTIEF, Tab.WACHTEND, Tab.VERLOPEN, Tab.HISTORIE, Tab.ACTIES)
EXPORT_FORMATS = ("csv", "xlsx")
SHEET_TITLE = "Ketenmachtigingen"


class ExportView(AbonnementRequiredMixin, View):
    """Download one tab of the overview (``?tab=``, ``format=csv|xlsx``), with the overview's
    search, filters and sort when given (the parameters of ``OverzichtFilterForm``).

    Access: beheerder of ``request.organisatie`` with an EH3+ means (the mixin). With
    ``alle_organisaties=1`` the file also holds the other organisations where the person is
    beheerder; never one where they are only gebruiker. An unknown tab is a 404, an unknown
    format a 400 (the form offers only csv and xlsx; guessing would hand over another file type
    than was asked for).
    """

    abonnement_lezen = True

    http_method_names = ["get"]

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        params = request.GET
        tab = params.get("tab") or Tab.ACTIEF
        if tab not in EXPORT_TABS:
            raise Http404
        fmt = params.get("format") or "csv"
        if fmt not in EXPORT_FORMATS:
            return HttpResponseBadRequest(_("Choose .xlsx or .csv as the file format."))
        # The overview's search, filters and sort (the export link carries its query string);
        # what is not valid is ignored, as the overview ignores it.
        form = OverzichtFilterForm(
            params,
            choices=selectors.overzicht_filter_choices(organisatie=request.organisatie),
        )
        q = form.value("q") or ""
        organisaties = self.get_organisaties(alle=params.get("alle_organisaties") == "1")

        today = timezone.localdate()
        # An organisation without a KvK number (allowed) is named by its name instead.
        whose = "alle-organisaties" if len(organisaties) > 1 else request.organisatie.kvk_nummer
        filename = safe_filename(
            f"ketenmachtigingen-{tab}-{whose or request.organisatie.naam}-{today:%Y%m%d}", fmt
        )
        qs = export_queryset(
            organisaties=organisaties,
            tab=tab,
            q=q,
            status=form.value("status") or "",
            sort=form.value("sort") or "",
            filters=form.filters(),
        )
        rows = export_rows(qs, today=today)
        if fmt == "xlsx":
            return xlsx_response(
                rows, header=export_header(), filename=filename, sheet_title=SHEET_TITLE
            )
        return csv_response(rows, header=export_header(), filename=filename)

    def get_organisaties(self, *, alle: bool) -> list[Organisatie]:
        """The active organisation, plus, when asked, every other one where the person is
        beheerder (from the memberships the middleware loaded)."""
        active = self.request.organisatie
        if not alle:
            return [active]
        others = [
            m.organisatie
            for m in self.request.lidmaatschappen
            if m.is_beheerder and m.organisatie_id != active.pk
        ]
        return [active, *others]
