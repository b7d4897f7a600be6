"""Deactivate a colleague: a confirmation page that lists what they lose, then do it."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts import selectors as account_selectors
from accounts.mixins import BeheerderRequiredMixin
from accounts.models import Lidmaatschap
from ketenportal.exceptions import DomainError

from ..services.deactiveren import deactivation_preview, gebruiker_deactivate


class GebruikerDeactiveerView(BeheerderRequiredMixin, TemplateView):
    """GET: what the colleague loses (ketenmachtigingen, groups, means); POST: deactivate.

    Access: beheerder of ``request.organisatie``; the member must be of that organisation
    (another organisation's is a 404).
    """

    template_name = "accounts/gebruiker_deactiveer.html"

    def load_objects(self) -> None:
        try:
            self.lidmaatschap = account_selectors.lidmaatschap_of(
                organisatie=self.request.organisatie, pk=self.kwargs["pk"]
            )
        except Lidmaatschap.DoesNotExist as exc:
            raise Http404 from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["lidmaatschap"] = self.lidmaatschap
        context["preview"] = deactivation_preview(
            actor=self.request.user, lidmaatschap=self.lidmaatschap
        )
        return context

    def post(self, request, *args, **kwargs):
        try:
            gebruiker_deactivate(actor=request.user, lidmaatschap=self.lidmaatschap)
        except DomainError as exc:
            context = self.get_context_data(error=str(exc))
            context["error"] = str(exc)
            return self.render_to_response(context, status=400)
        messages.success(
            request,
            _("%(name)s has been deactivated.") % {"name": self.lidmaatschap.user},
        )
        return redirect("accounts:gebruikers")
