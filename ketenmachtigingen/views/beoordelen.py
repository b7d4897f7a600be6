"""Ketenmachtigingen > afgegeven > Te beoordelen: requests of intermediairs to an organisation
on this platform, which its beheerder with EH3 approves ("Keur goed": active at once, the
digital form of the signature) or declines with a reason ("Wijs af").

Access: any beheerder of the relatie sees the list and a request (a beheerder below EH3 sees why
they cannot answer); only a beheerder whose means is EH3 or higher, not for the Belastingdienst
only, may answer it (403 otherwise). Requests to another organisation are a 404.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView

from accounts.mixins import BeheerderRequiredMixin
from ketenportal.exceptions import DomainError

from .. import selectors, services
from ..constants import Kanaal
from ..forms import AfwijzenForm
from ..models import Ketenmachtiging

GOEDKEUREN, AFWIJZEN = "goedkeuren", "afwijzen"


class TeBeoordelenView(BeheerderRequiredMixin, ListView):
    template_name = "ketenmachtigingen/afgegeven/te_beoordelen.html"
    context_object_name = "ketenmachtigingen"
    paginate_by = 50

    def get_queryset(self):
        return selectors.te_beoordelen_for(organisatie=self.request.organisatie)


class TeBeoordelenDetailView(BeheerderRequiredMixin, TemplateView):
    """A request, with what the invitation says; "Keur goed" and "Wijs af" for EH3."""

    template_name = "ketenmachtigingen/afgegeven/te_beoordelen_detail.html"

    def load_objects(self) -> None:
        try:
            self.km = selectors.verzoek_of(
                organisatie=self.request.organisatie, pk=self.kwargs["pk"]
            )
        except Ketenmachtiging.DoesNotExist as exc:
            raise Http404 from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            km=self.km,
            diensten=list(self.km.diensten.all()),
            dienstverleners=list(self.km.dienstverleners.all()),
            kan_antwoorden=self.request.user.can_use_ketenmachtigingen,
            open=self.km.awaits_relatie_answer(),
            afwijzen_form=kwargs.get("afwijzen_form") or AfwijzenForm(),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not request.user.can_use_ketenmachtigingen:
            return render(request, "accounts/denied_niveau.html", status=403)
        actie = request.POST.get("actie")
        if actie not in (GOEDKEUREN, AFWIJZEN):
            return self.render_to_response(self.get_context_data(), status=400)
        if not self.km.awaits_relatie_answer():
            # Answered (a double click, a colleague), withdrawn or lapsed: said, not a 500.
            messages.error(request, _("This request is no longer waiting for an answer."))
            return redirect("ketenmachtigingen:te_beoordelen_detail", pk=self.km.pk)
        if actie == GOEDKEUREN:
            try:
                services.ketenmachtiging_approve_by_relatie(actor=request.user, km=self.km)
            except DomainError as exc:
                messages.error(request, str(exc))
                return redirect("ketenmachtigingen:te_beoordelen_detail", pk=self.km.pk)
            messages.success(
                request,
                _("You approved the ketenmachtiging: it is active for %(naam)s now.")
                % {"naam": self.km.intermediair_naam},
            )
            return redirect("ketenmachtigingen:afgegeven_detail", pk=self.km.pk)
        form = AfwijzenForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(afwijzen_form=form), status=400)
        try:
            services.ketenmachtiging_decline(
                actor=request.user,
                km=self.km,
                reden=form.cleaned_data["reden"],
                kanaal=Kanaal.PLATFORM,
            )
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("ketenmachtigingen:te_beoordelen_detail", pk=self.km.pk)
        messages.success(
            request,
            _("You declined the request; %(naam)s is told, with your reason.")
            % {"naam": self.km.intermediair_naam},
        )
        return redirect("ketenmachtigingen:te_beoordelen")
