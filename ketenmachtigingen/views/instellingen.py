"""Instellingen > Algemeen > Afzenderinstellingen (Z login manual 3.4)."""

from django.contrib import messages
from django.forms.utils import ErrorDict
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView

from abonnementen.mixins import AbonnementRequiredMixin
from ketenportal.exceptions import DomainError

from .. import services
from ..forms import AfzenderForm, EigenContactForm
from ..models import Afzenderinstellingen


class AfzenderView(AbonnementRequiredMixin, FormView):
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


def save_contact_as_default(request, form) -> bool:
    """ "Stel deze gegevens als standaard in" on a form with the own contact person (the wizard's
    last step, Verleng selectie): only the contact fields are judged, the rest may still be
    empty; when they are valid they become the sender settings. The form keeps only the contact
    errors, so the page comes back as typed. Returns whether it was saved (nothing is sent)."""
    form.is_valid()
    contact_fields = set(EigenContactForm.base_fields)
    contact_errors = {k: v for k, v in form.errors.items() if k in contact_fields}
    form._errors = ErrorDict(contact_errors)
    if contact_errors:
        return False
    services.afzender_update(
        actor=request.user,
        organisatie=request.organisatie,
        **{k: form.cleaned_data[k] for k in contact_fields},
    )
    messages.success(
        request,
        _(
            "These contact details are now the default in the sender settings; they "
            "are filled in for every new request. Nothing has been sent yet."
        ),
    )
    return True
