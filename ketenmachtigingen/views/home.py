"""Start: the home page. For a beheerder who may work with ketenmachtigingen it answers three
questions (``dashboard``): what needs me today, what expires when, and what does this cost; for
a beheerder of several organisations also across all of them. Everyone else gets the plain home
with what they can do. Back-office staff without an organisation have their own start page.
"""

from django.shortcuts import redirect
from django.views.generic import TemplateView

from accounts.mixins import StaffRequiredMixin

from .. import dashboard


class HomeView(TemplateView):
    """Who sees what:

    * staff who belong to no organisation are sent to the back office's start page (after login
      too: ``LOGIN_REDIRECT_URL`` is this page);
    * a beheerder whose means allows ketenmachtigingen (EH3, ``can_use_ketenmachtigingen``)
      sees the figures of the selected organisation, and of all organisations they manage;
    * everyone else sees the plain home (what they can do, and why not more).
    """

    template_name = "accounts/home.html"

    def get(self, request, *args, **kwargs):
        if request.user.is_staff and request.organisatie is None:
            return redirect("ketenmachtigingen:backoffice_start")
        return super().get(request, *args, **kwargs)

    def may_act(self) -> bool:
        request = self.request
        return bool(
            request.organisatie is not None
            and request.lidmaatschap.is_beheerder
            and request.user.can_use_ketenmachtigingen
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.may_act():
            return context
        request = self.request
        organisatie = request.organisatie
        beheerd = [m.organisatie for m in request.lidmaatschappen if m.is_beheerder]
        cijfers = dashboard.organisatie_cijfers(organisaties=beheerd)
        eigen = cijfers[organisatie.pk]
        maanden = dashboard.einde_per_maand(organisatie=organisatie)
        context["dashboard"] = {
            "cijfers": eigen,
            "taken": dashboard.takenlijst(organisatie=organisatie, cijfers=eigen),
            "maanden": maanden,
            "chart": dashboard.einde_chart(maanden),
            "chart_totaal": sum(m.aantal for m in maanden),
            "tarief": dashboard.tarief(),
            "alle": [cijfers[o.pk] for o in beheerd] if len(beheerd) > 1 else [],
            "totalen": dashboard.totalen(list(cijfers.values())) if len(beheerd) > 1 else None,
            "kosten_maanden": dashboard.KOSTEN_MAANDEN,
        }
        return context


class BackofficeStartView(StaffRequiredMixin, TemplateView):
    """The back office's start page (staff only): the queues per status, the form that waited
    longest, the forms received per week, and the requests that lapse soon."""

    template_name = "ketenmachtigingen/backoffice/start.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        weeks = dashboard.forms_per_week()
        aantal, eerste = dashboard.backoffice_lapsing()
        context.update(
            queues=dashboard.backoffice_queues(),
            oldest=dashboard.backoffice_oldest(),
            weeks=weeks,
            weeks_chart=dashboard.weeks_chart(weeks),
            weeks_total=sum(w.aantal for w in weeks),
            lapsing_count=aantal,
            lapsing=eerste,
            verval_dagen=dashboard.VERVAL_DAGEN,
        )
        return context
