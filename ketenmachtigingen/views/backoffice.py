"""The back office: platform staff process the signed forms that arrive by post.

Find a request by reference, KvK number or name; mark it received, incomplete (the relatie's
contact gets the reason), error, or approve it (active, the term starts); correct an error set by
mistake. The page offers only what the lifecycle allows for the status and the date
(``services.backoffice_actions``) and the services refuse anything else. Each action carries the
status the staff member saw; if a colleague changed it meanwhile, the action is refused.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView

from accounts.mixins import StaffRequiredMixin
from ketenportal.exceptions import DomainError

from .. import selectors, services
from ..constants import Status
from ..forms import BackofficeActieForm, BackofficeZoekForm
from ..models import Ketenmachtiging

ACTIONS = {
    "ontvangen": services.backoffice_mark_received,
    "incompleet": services.backoffice_mark_incomplete,
    "fout": services.backoffice_mark_error,
    "goedkeuren": services.backoffice_approve,
    "herstel": services.backoffice_correct,
}
NEEDS_REASON = {"incompleet", "fout", "herstel"}


class BackofficeView(StaffRequiredMixin, ListView):
    template_name = "ketenmachtigingen/backoffice/lijst.html"
    context_object_name = "aanvragen"
    paginate_by = 50

    def get_queryset(self):
        self.form = BackofficeZoekForm(self.request.GET or None)
        q, status = "", ""
        if self.form.is_valid():
            q, status = self.form.cleaned_data["q"], self.form.cleaned_data["status"]
        return selectors.backoffice_search(q=q, status=status)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.form
        return context


class BackofficeDetailView(StaffRequiredMixin, TemplateView):
    template_name = "ketenmachtigingen/backoffice/detail.html"

    def load_objects(self) -> None:
        try:
            self.km = selectors.with_details(
                Ketenmachtiging.objects.select_related("intermediair")
            ).get(pk=self.kwargs["pk"], bron="aangevraagd")
        except Ketenmachtiging.DoesNotExist as exc:
            raise Http404 from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["km"] = self.km
        context["history"] = selectors.status_history(self.km)
        context["form"] = kwargs.get("form") or BackofficeActieForm(
            initial={"expected_status": self.km.status}
        )
        context["lapsed"] = self.km.invitation_lapsed()
        context["acties"] = acties = services.backoffice_actions(self.km)
        if "herstel" in acties:
            context["herstel_naar"] = Status(services.status_before_error(self.km)).label
        return context


class BackofficeActieView(BackofficeDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        actie = kwargs["actie"]
        service = ACTIONS.get(actie)
        if service is None:
            raise Http404
        form = BackofficeActieForm(request.POST)
        if form.is_valid():
            extra = {"reden": form.cleaned_data["reden"]} if actie in NEEDS_REASON else {}
            try:
                service(
                    actor=request.user,
                    km=self.km,
                    expected_status=form.cleaned_data["expected_status"],
                    **extra,
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, _("%(kenmerk)s has been processed.") % {"kenmerk": self.km.kenmerk}
                )
                return redirect("ketenmachtigingen:backoffice_detail", pk=self.km.pk)
        self.km.refresh_from_db()
        return self.render_to_response(self.get_context_data(form=form), status=400)
