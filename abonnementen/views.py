"""Pages of subscriptions.

For a beheerder: the explanation page of the ketenmachtiging module ("Abonnement": what the
organisation has, how to get access) and "Vraag toegang aan". For the back office (staff): the
list with filters, a new subscription for an organisation, and its page with the steps (quote
sent, signed quote received, activate with dates, end) and its history.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView, TemplateView

from accounts.mixins import BeheerderRequiredMixin, StaffRequiredMixin
from ketenportal.exceptions import DomainError

from . import selectors, services
from .constants import ALLOWED, AbonnementStatus
from .forms import ActieForm, NieuwForm, ZoekForm
from .mixins import explanation
from .models import Abonnement

S = AbonnementStatus


class ToegangView(BeheerderRequiredMixin, TemplateView):
    """The explanation page on its own address (the link of the subscription messages)."""

    def get(self, request, *args, **kwargs):
        return explanation(request, selectors.toegang(request.organisatie), geweigerd=False)


class ToegangAanvragenView(BeheerderRequiredMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        abonnement, nieuw = services.toegang_aanvragen(
            actor=request.user, organisatie=request.organisatie
        )
        if nieuw:
            messages.success(
                request,
                _(
                    "Your request for access has been sent to the back office. They will send "
                    "your organisation a quote; you will find every step in the berichtenbox."
                ),
            )
        elif abonnement.is_actief():
            messages.info(request, _("Your organisation has access already. Nothing was sent."))
        else:
            messages.info(
                request,
                _(
                    "Your organisation asked for access already (status: %(status)s); the back "
                    "office is handling it. No new request was sent."
                )
                % {"status": abonnement.effectieve_status_label()},
            )
        return redirect("abonnementen:toegang")


class BackofficeLijstView(StaffRequiredMixin, ListView):
    template_name = "abonnementen/backoffice_lijst.html"
    context_object_name = "abonnementen"
    paginate_by = 50

    def get_queryset(self):
        self.form = ZoekForm(self.request.GET or None)
        filters = {}
        if self.form.is_valid():
            filters = self.form.cleaned_data
        return selectors.backoffice_search(**filters)

    def get_context_data(self, **kwargs):
        return super().get_context_data(form=self.form, **kwargs)


class BackofficeNieuwView(StaffRequiredMixin, FormView):
    template_name = "abonnementen/backoffice_nieuw.html"
    form_class = NieuwForm

    def form_valid(self, form):
        try:
            abonnement = services.abonnement_create(
                actor=self.request.user,
                organisatie=form.organisatie,
                module=form.cleaned_data["module"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("The subscription has been created."))
        return redirect("abonnementen:backoffice_detail", pk=abonnement.pk)


ACTIONS = {
    "offerte-verstuurd": (S.OFFERTE_VERSTUURD, services.offerte_verstuurd),
    "offerte-ontvangen": (S.OFFERTE_ONTVANGEN, services.offerte_ontvangen),
    "activeren": (S.ACTIEF, services.activeren),
    "beeindigen": (S.BEEINDIGD, services.beeindigen),
}


class BackofficeDetailView(StaffRequiredMixin, TemplateView):
    template_name = "abonnementen/backoffice_detail.html"

    def load_objects(self) -> None:
        try:
            self.abonnement = Abonnement.objects.select_related(
                "organisatie", "toegang_aangevraagd_door"
            ).get(pk=self.kwargs["pk"])
        except Abonnement.DoesNotExist as exc:
            raise Http404 from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.abonnement.effectieve_status()
        today = timezone.localdate()
        context.update(
            abonnement=self.abonnement,
            status=status,
            acties=[a for a, (naar, _f) in ACTIONS.items() if status in ALLOWED[naar]],
            form=kwargs.get("form")
            or ActieForm(initial={"expected_status": self.abonnement.status}),
            vandaag=today.isoformat(),
            geschiedenis=[
                {
                    "timestamp": e.timestamp,
                    "status": S((e.changes.get("status") or {}).get("new")).label
                    if (e.changes.get("status") or {}).get("new") in S.values
                    else "",
                    "actor": e.actor_repr,
                }
                for e in selectors.geschiedenis(self.abonnement)
            ],
        )
        return context


class BackofficeActieView(BackofficeDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if kwargs["actie"] not in ACTIONS:
            raise Http404
        _naar, service = ACTIONS[kwargs["actie"]]
        form = ActieForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if kwargs["actie"] == "activeren":
                extra = {"van": data["van"], "tot": data["tot"]}
            else:
                extra = {"datum": data["datum"]}
            try:
                service(
                    actor=request.user,
                    abonnement=self.abonnement,
                    expected_status=data["expected_status"],
                    **extra,
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                self.abonnement.refresh_from_db()
                messages.success(
                    request,
                    _("The subscription of %(organisatie)s is now “%(status)s”.")
                    % {
                        "organisatie": self.abonnement.organisatie.naam,
                        "status": self.abonnement.effectieve_status_label(),
                    },
                )
                return redirect("abonnementen:backoffice_detail", pk=self.abonnement.pk)
        self.abonnement.refresh_from_db()
        return self.render_to_response(self.get_context_data(form=form), status=400)
