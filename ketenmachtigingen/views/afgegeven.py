"""Ketenmachtigingen > afgegeven: a company grants a ketenmachtiging to its intermediair, as in
the We-ID manual, and sees (and can end) what it granted."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView

from accounts.mixins import KetenmachtigingAccessMixin
from diensten.picker import ScopePickerForm, is_picker_confirm, is_picker_search, picker_context
from diensten.scope import scope_of, scope_text
from ketenportal.exceptions import DomainError
from ketenportal.utils.platform import tarief_tekst

from .. import selectors, services
from ..concept import Concept
from ..forms import AfgevenForm, FeitenMailForm, IntermediairZoekForm
from ..kvk import KvkError, lookup
from ..models import Ketenmachtiging


class AfgegevenView(KetenmachtigingAccessMixin, ListView):
    template_name = "ketenmachtigingen/afgegeven/lijst.html"
    context_object_name = "ketenmachtigingen"
    paginate_by = 50

    def get_queryset(self):
        return selectors.afgegeven_for(organisatie=self.request.organisatie)


class AfgevenView(KetenmachtigingAccessMixin, TemplateView):
    """Leg een nieuwe ketenmachtiging vast: 1. kies een intermediair, 2. kies diensten,
    3. kies de duur, akkoord met de kosten."""

    template_name = "ketenmachtigingen/afgegeven/nieuw.html"

    def load_objects(self) -> None:
        self.concept = Concept(self.request, kind="afgeven")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        relatie = self.concept.relatie
        chosen = self.concept.scope
        context.update(
            intermediair=relatie,
            # Granted to this intermediair already and active: said at step 1 (with links).
            afgiften=[
                (km, scope_text(scope_of(km)))
                for km in selectors.active_grants_to(
                    organisatie=self.request.organisatie, kvk_nummer=relatie.kvk_nummer
                )
            ]
            if relatie
            else [],
            bestaande=kwargs.get("bestaande"),
            gekozen=scope_text(chosen) if chosen and not chosen.is_empty else "",
            zoek_form=kwargs.get("zoek_form") or IntermediairZoekForm(),
            picker=kwargs.get("picker") or picker_context(initial=self.concept.scope),
            form=kwargs.get("form") or AfgevenForm(),
            tarief=tarief_tekst(),
        )
        return context

    def post(self, request, *args, **kwargs):
        if request.POST.get("stap") == "1":
            form = IntermediairZoekForm(request.POST)
            if form.is_valid():
                try:
                    relatie = services.Relatie.from_bedrijf(lookup(form.cleaned_data["nummer"]))
                    services.check_grant_to(
                        relatie_organisatie=request.organisatie, intermediair=relatie
                    )
                except (KvkError, DomainError) as exc:
                    form.add_error("nummer", str(exc))
                else:
                    self.concept.set_relatie(relatie)
                    self.concept.save()
                    return redirect("ketenmachtigingen:afgeven")
            return self.render_to_response(self.get_context_data(zoek_form=form), status=400)
        if self.concept.relatie is None:
            return redirect("ketenmachtigingen:afgeven")
        if is_picker_search(request):
            return self.render_to_response(
                self.get_context_data(
                    picker=picker_context(data=request.POST), form=AfgevenForm(request.POST)
                )
            )
        picker_form = ScopePickerForm(request.POST)
        if is_picker_confirm(request):
            # The picker's own button: keep the choice and come back to step 3, without judging
            # the rest of the form yet.
            if picker_form.is_valid():
                self.concept.set_scope(picker_form.scope)
                self.concept.save()
                return redirect(f"{reverse('ketenmachtigingen:afgeven')}#a3")
            errors = [str(e) for errs in picker_form.errors.values() for e in errs]
            picker = picker_context(data=request.POST, errors=errors)
            context = self.get_context_data(picker=picker, form=AfgevenForm(request.POST))
            return self.render_to_response(context, status=400)
        form = AfgevenForm(request.POST)
        picker_ok, form_ok = picker_form.is_valid(), form.is_valid()
        if picker_ok and form_ok:
            try:
                km = services.ketenmachtiging_grant(
                    actor=request.user,
                    relatie_organisatie=request.organisatie,
                    intermediair=self.concept.relatie,
                    scope=picker_form.scope,
                    looptijd_jaren=form.cleaned_data["looptijd"],
                    akkoord_kosten=form.cleaned_data["akkoord_kosten"],
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
                bestaande = getattr(exc, "bestaande", None)
            else:
                self.concept.clear()
                messages.success(request, _("The ketenmachtiging has been registered."))
                return redirect("ketenmachtigingen:afgegeven_detail", pk=km.pk)
        else:
            bestaande = None
        errors = [str(e) for errs in picker_form.errors.values() for e in errs]
        picker = picker_context(data=request.POST, errors=errors)
        context = self.get_context_data(picker=picker, form=form, bestaande=bestaande)
        return self.render_to_response(context, status=400)


class AfgegevenMixin(KetenmachtigingAccessMixin):
    def load_objects(self) -> None:
        try:
            self.km = selectors.afgegeven_of(
                organisatie=self.request.organisatie, pk=self.kwargs["pk"]
            )
        except Ketenmachtiging.DoesNotExist as exc:
            raise Http404 from exc

    def feiten(self) -> dict:
        """The four facts the We-ID manual says to pass on to the intermediair, and the term."""
        return {
            "eigen_kvk": self.km.relatie_kvk_nummer or self.km.relatie_rsin,
            "intermediair_kvk": self.km.intermediair_kvk_nummer,
            "intermediair_naam": self.km.intermediair_naam,
            "diensten": scope_text(scope_of(self.km)),
            "leverancier": settings.PLATFORM_NAME,
            "relatie_naam": self.km.relatie_naam,
            # The term, so the intermediair knows until when (ISO dates: the e-mail's params).
            "looptijd_jaren": self.km.looptijd_jaren,
            "startdatum": self.km.startdatum.isoformat() if self.km.startdatum else "",
            "einddatum": self.km.einddatum.isoformat() if self.km.einddatum else "",
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["km"] = self.km
        context["feiten"] = self.feiten()
        return context


class AfgegevenDetailView(AfgegevenMixin, TemplateView):
    template_name = "ketenmachtigingen/afgegeven/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["mail_form"] = kwargs.get("mail_form") or FeitenMailForm()
        context["history"] = selectors.km_history(self.km, organisatie=self.request.organisatie)
        context["intermediair_beheerders"] = selectors.beheerders_count(self.km.intermediair_id)
        return context

    def post(self, request, *args, **kwargs):
        """E-mail the four facts to the intermediair."""
        form = FeitenMailForm(request.POST)
        if form.is_valid():
            try:
                services.ketenmachtiging_mail_feiten(
                    actor=request.user,
                    organisatie=request.organisatie,
                    km=self.km,
                    email=form.cleaned_data["email"],
                    feiten=self.feiten(),
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _(
                        "The details will be e-mailed to %(email)s. Whether the e-mail went out "
                        "is shown below under “History”."
                    )
                    % {"email": form.cleaned_data["email"]},
                )
                return redirect("ketenmachtigingen:afgegeven_detail", pk=self.km.pk)
        return self.render_to_response(self.get_context_data(mail_form=form), status=400)


class AfgegevenBeeindigView(AfgegevenMixin, TemplateView):
    template_name = "ketenmachtigingen/afgegeven/beeindig.html"

    def post(self, request, *args, **kwargs):
        try:
            services.ketenmachtiging_end_granted(actor=request.user, km=self.km)
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("ketenmachtigingen:afgegeven_detail", pk=self.km.pk)
        messages.success(request, _("The ketenmachtiging has been ended."))
        return redirect("ketenmachtigingen:afgegeven")
