"""Views of EH-middelen: the list, its export, one means, requesting one; the back office's
requests with issue and refuse."""

from collections.abc import Iterator

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, ListView, TemplateView

from ketenportal.exceptions import DomainError
from ketenportal.utils.exports import csv_response, xlsx_response

from ..constants import MiddelAanvraagStatus, MiddelSoort, MiddelStatus
from ..mixins import BeheerderRequiredMixin, StaffRequiredMixin
from ..models import EHMiddel, EHMiddelAanvraag
from . import selectors, services
from .forms import FILTER_FIELDS, EHMiddelAanvraagForm, EHMiddelFilterForm, WeigerForm

EXPORT_FORMATS = ("csv", "xlsx")
EXPORT_CHUNK_SIZE = 2000


class EHMiddelFilterMixin:
    def get_filter_form(self) -> EHMiddelFilterForm:
        data = {k: v for k, v in self.request.GET.items() if k in FILTER_FIELDS}
        return EHMiddelFilterForm(data or None)

    def get_filtered(self) -> QuerySet[EHMiddel]:
        self.filter_form = self.get_filter_form()
        return selectors.ehmiddelen_for(
            organisatie=self.request.organisatie, **self.filter_form.filters()
        )


class EHMiddelenView(BeheerderRequiredMixin, EHMiddelFilterMixin, ListView):
    """EH-middelen: every means issued on behalf of the organisation, filtered, with the
    organisation's requests for new ones.

    Access: beheerder of ``request.organisatie``.
    """

    template_name = "accounts/ehmiddelen/lijst.html"
    context_object_name = "middelen"
    paginate_by = 50

    def get_queryset(self):
        return self.get_filtered()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        query = {k: v for k, v in self.request.GET.items() if k in FILTER_FIELDS and v}
        base = reverse("accounts:ehmiddelen_export")
        context["export_links"] = [
            (label, f"{base}?{urlencode({**query, 'format': fmt})}")
            for label, fmt in (("CSV", "csv"), ("Excel", "xlsx"))
        ]
        context["aanvragen"] = selectors.aanvragen_for(organisatie=self.request.organisatie)[:20]
        context["today"] = timezone.localdate()
        return context


class EHMiddelExportView(BeheerderRequiredMixin, EHMiddelFilterMixin, View):
    """The filtered list of means as CSV (default) or XLSX.

    Access: beheerder of ``request.organisatie``.
    """

    http_method_names = ["get"]

    def get(self, request, *args, **kwargs) -> HttpResponseBase:
        fmt = request.GET.get("format", "csv")
        if fmt not in EXPORT_FORMATS:
            fmt = "csv"
        organisatie = request.organisatie
        filename = f"eh-middelen-{organisatie.identifier}-{timezone.localdate():%Y%m%d}"
        header = [
            _("Holder"),
            _("E-mail address"),
            _("Level"),
            _("Second factor"),
            _("Belastingdienst only"),
            _("Issued on"),
            _("Valid until"),
            _("Status"),
        ]
        rows = _export_rows(self.get_filtered(), language=translation.get_language())
        if fmt == "xlsx":
            return xlsx_response(rows, header=header, filename=filename, sheet_title=_("EH means"))
        return csv_response(rows, header=header, filename=filename)


def _export_rows(middelen: QuerySet[EHMiddel], *, language: str | None) -> Iterator[tuple]:
    # A CSV is written while it is sent, after the view returned: keep the request's language.
    with translation.override(language):
        today = timezone.localdate()
        soorten = {v: str(label) for v, label in MiddelSoort.choices}
        statussen = {v: str(label) for v, label in MiddelStatus.choices}
        ja, nee = _("Yes"), _("No")
        for m in middelen.iterator(chunk_size=EXPORT_CHUNK_SIZE):
            yield (
                str(m.houder),
                m.houder.email,
                m.get_niveau_display(),
                soorten.get(m.soort, m.soort),
                ja if m.alleen_belastingdienst else nee,
                m.uitgegeven_op,
                m.geldig_tot,
                statussen[m.current_status(today)],
            )


class EHMiddelDetailView(BeheerderRequiredMixin, TemplateView):
    """One means of the organisation; another organisation's is a 404.

    Access: beheerder of ``request.organisatie``.
    """

    template_name = "accounts/ehmiddelen/detail.html"

    def load_objects(self) -> None:
        try:
            self.middel = selectors.ehmiddel_of(
                organisatie=self.request.organisatie, pk=self.kwargs["pk"]
            )
        except EHMiddel.DoesNotExist as exc:
            raise Http404 from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["middel"] = self.middel
        lid = self.middel.houder.lidmaatschappen.filter(organisatie=self.request.organisatie)
        context["lidmaatschap"] = lid.first()
        return context


class EHMiddelAanvragenView(BeheerderRequiredMixin, FormView):
    """Request a new means for a colleague; the back office checks their identity.

    Access: beheerder of ``request.organisatie``.
    """

    template_name = "accounts/ehmiddelen/aanvragen.html"
    form_class = EHMiddelAanvraagForm
    success_url = reverse_lazy("accounts:ehmiddelen")

    def form_valid(self, form):
        try:
            services.ehmiddel_aanvraag_create(
                actor=self.request.user, organisatie=self.request.organisatie, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "The request has been sent to the back office. When they have checked the "
                "identity of %(name)s, they issue the means and %(name)s gets an e-mail."
            )
            % {"name": f"{form.cleaned_data['voornaam']} {form.cleaned_data['achternaam']}"},
        )
        return super().form_valid(form)


# --- The back office ------------------------------------------------------------------------


class BackofficeAanvragenView(StaffRequiredMixin, ListView):
    """Requests for a new means, of every organisation (staff work for all); open ones by
    default.

    Access: back-office staff.
    """

    template_name = "accounts/ehmiddelen/backoffice_lijst.html"
    context_object_name = "aanvragen"
    paginate_by = 50

    def get_queryset(self):
        status = self.request.GET.get("status", MiddelAanvraagStatus.INGEDIEND)
        if status not in MiddelAanvraagStatus.values and status != "alle":
            status = MiddelAanvraagStatus.INGEDIEND
        self.status = status
        return selectors.backoffice_aanvragen(status="" if status == "alle" else status)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["status"] = self.status
        context["statussen"] = [("alle", _("All")), *MiddelAanvraagStatus.choices]
        return context


class BackofficeAanvraagView(StaffRequiredMixin, TemplateView):
    """One request: the person's details, and issue or refuse it.

    Access: back-office staff.
    """

    template_name = "accounts/ehmiddelen/backoffice_detail.html"

    def load_objects(self) -> None:
        try:
            self.aanvraag = EHMiddelAanvraag.objects.select_related(
                "organisatie", "aangevraagd_door", "behandeld_door", "middel__houder"
            ).get(pk=self.kwargs["pk"])
        except EHMiddelAanvraag.DoesNotExist as exc:
            raise Http404 from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["aanvraag"] = self.aanvraag
        context["weiger_form"] = kwargs.get("weiger_form") or WeigerForm()
        context["error"] = kwargs.get("error", "")
        return context


class BackofficeUitgevenView(BackofficeAanvraagView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            middel = services.ehmiddel_aanvraag_issue(actor=request.user, aanvraag=self.aanvraag)
        except DomainError as exc:
            return self.render_to_response(self.get_context_data(error=str(exc)), status=400)
        messages.success(
            request,
            _("The means has been issued; %(name)s gets an e-mail to set a password.")
            % {"name": middel.houder},
        )
        return redirect("accounts:backoffice_ehmiddel", pk=self.aanvraag.pk)


class BackofficeWeigerenView(BackofficeAanvraagView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = WeigerForm(request.POST)
        if form.is_valid():
            try:
                services.ehmiddel_aanvraag_refuse(
                    actor=request.user, aanvraag=self.aanvraag, reden=form.cleaned_data["reden"]
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The request has been refused."))
                return redirect("accounts:backoffice_ehmiddel", pk=self.aanvraag.pk)
        return self.render_to_response(self.get_context_data(weiger_form=form), status=400)
