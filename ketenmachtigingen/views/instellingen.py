"""Instellingen > Algemeen > Afzenderinstellingen (Z login manual 3.4)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView

from accounts.mixins import KetenmachtigingAccessMixin
from ketenportal.exceptions import DomainError

from .. import services
from ..forms import AfzenderForm
from ..models import Afzenderinstellingen


class AfzenderView(KetenmachtigingAccessMixin, FormView):
    template_name = "ketenmachtigingen/afzender.html"
    form_class = AfzenderForm

    def get_initial(self):
        instellingen = Afzenderinstellingen.objects.filter(
            organisatie=self.request.organisatie
        ).first()
        if instellingen is None:
            return {"herinneringen": True, "herinnering_1_dagen": 14, "herinnering_2_dagen": 42}
        return {f: getattr(instellingen, f) for f in services.AFZENDER_FIELDS}

    def form_valid(self, form):
        try:
            services.afzender_update(
                actor=self.request.user, organisatie=self.request.organisatie, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("The sender settings have been saved."))
        return redirect("ketenmachtigingen:afzender")
