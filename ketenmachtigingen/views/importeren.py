"""Voeg toe > Meerdere bedrijven: the template, the upload, the preview with progress, and the
result (Z login manual 3.2). After the preview the beheerder goes through the same steps as for
one company; the relatie contacts come from the file."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from abonnementen.mixins import AbonnementRequiredMixin
from ketenportal.exceptions import DomainError

from .. import services
from ..concept import Concept
from ..constants import ImportStatus
from ..forms import ImportUploadForm
from ..models import Import


class ImportView(AbonnementRequiredMixin, TemplateView):
    """The "Meerdere bedrijven" tab: download the template, choose a file."""

    template_name = "ketenmachtigingen/import.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = kwargs.get("form") or ImportUploadForm()
        context["recent"] = Import.objects.filter(organisatie=self.request.organisatie)[:5]
        return context

    def post(self, request, *args, **kwargs):
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                imp = services.import_create(
                    actor=request.user,
                    organisatie=request.organisatie,
                    upload=form.cleaned_data["bestand"],
                )
            except DomainError as exc:
                form.add_error("bestand", str(exc))
            else:
                return redirect(imp.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)


class TemplateDownloadView(AbonnementRequiredMixin, View):
    def get(self, request, *args, **kwargs):
        from ..imports import build_template

        response = HttpResponse(
            build_template(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="ketenmachtigingen-import.xlsx"'
        response["Cache-Control"] = "no-store"
        return response


class ImportMixin(AbonnementRequiredMixin):
    # The results of an import stay readable; confirming one (POST) is a write.
    abonnement_lezen = True

    def load_objects(self) -> None:
        try:
            self.imp = Import.objects.get(
                organisatie=self.request.organisatie, pk=self.kwargs["pk"]
            )
        except Import.DoesNotExist as exc:
            raise Http404 from exc


class ImportDetailView(ImportMixin, TemplateView):
    """Progress while reading or sending; the preview ("Import van N bedrijven") in between;
    the result at the end. Refreshes itself without JavaScript; htmx polls a fragment."""

    template_name = "ketenmachtigingen/import_detail.html"

    def get_template_names(self):
        if self.request.htmx and self.request.GET.get("fragment") == "voortgang":
            return ["ketenmachtigingen/import_voortgang.html"]
        return [self.template_name]

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if request.htmx and not self.imp.busy:
            # Done: let htmx load the whole page (preview or result) instead of the fragment.
            response["HX-Redirect"] = self.imp.get_absolute_url()
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["imp"] = self.imp
        context["statuses"] = ImportStatus
        if self.imp.status == ImportStatus.KLAAR:
            context["resultaat"] = self.imp.resultaat
            context["overgeslagen_count"] = len(self.imp.resultaat.get("overgeslagen", [])) + len(
                self.imp.problemen
            )
        return context

    def post(self, request, *args, **kwargs):
        """Ga verder: continue with the companies found, without the rows with problems."""
        if self.imp.status != ImportStatus.GELEZEN or not self.imp.regels:
            messages.error(request, _("This import cannot be continued."))
            return redirect(self.imp.get_absolute_url())
        concept = Concept(request)
        concept.clear()
        concept.set_import(self.imp.pk, len(self.imp.regels))
        concept.save()
        return redirect("ketenmachtigingen:nieuw")
