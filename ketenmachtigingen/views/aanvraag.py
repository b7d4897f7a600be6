"""Voeg toe > Eén bedrijf: the request wizard (Z login manual 3.1 and 3.3).

1. Selecteer bedrijf (KvK lookup), 2. Kies diensten (the picker), 3. Kies gebruikers,
4. Kies de duur; then "Verstuur aanvraag tot goedkeuring" (contacts, language, costs) or
"Ik heb al goedkeuring ontvangen" (confirm, choose the supplier). The choices live in a session
concept until the last step creates the ketenmachtiging through a service.
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from abonnementen.mixins import AbonnementRequiredMixin
from diensten.picker import ScopePickerForm, is_picker_search, picker_context
from diensten.scope import Scope, scope_text
from groepen.models import Groep
from ketenportal.exceptions import DomainError
from ketenportal.utils.platform import tarief_tekst

from .. import services
from ..concept import Concept
from ..constants import Status
from ..forms import (
    BedrijfZoekForm,
    DuurForm,
    GebruikersKeuzeForm,
    GoedgekeurdForm,
    ImportVersturenForm,
    VersturenForm,
)
from ..kvk import KvkError, lookup_active
from ..models import Import
from .instellingen import save_contact_as_default

WIZARD = "ketenmachtigingen:nieuw"


class ConceptMixin(AbonnementRequiredMixin):
    def load_objects(self) -> None:
        self.concept = Concept(self.request)


class AanvraagView(ConceptMixin, TemplateView):
    """The wizard page: completed steps as summaries, the current step as a form."""

    template_name = "ketenmachtigingen/aanvraag.html"

    def get_step(self) -> int:
        current = self.concept.current_step()
        try:
            requested = int(self.request.GET.get("stap", current))
        except ValueError:
            requested = current
        return min(max(requested, 1), current)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        concept = self.concept
        step = kwargs.get("step") or self.get_step()
        organisatie = self.request.organisatie
        relatie = concept.relatie
        context.update(
            step=step,
            concept=concept,
            relatie=relatie,
            import_url=(
                reverse("ketenmachtigingen:import_detail", args=[concept.import_id])
                if concept.import_id
                else ""
            ),
            scope_text=scope_text(concept.scope) if concept.scope else "",
            narrowed=concept.scope is not None and not concept.scope.algemeen,
            bestaande=kwargs.get("bestaande") or self._bestaande(relatie),
            vervangt_id=concept.vervangt_id,
        )
        if step == 1:
            context["zoek_form"] = kwargs.get("zoek_form") or BedrijfZoekForm(
                initial={"nummer": relatie.kvk_nummer or relatie.rsin} if relatie else None
            )
        elif step == 2:
            context["picker"] = kwargs.get("picker") or picker_context(initial=concept.scope)
        elif step == 3:
            context.update(self._gebruikers_context(kwargs.get("gebruikers_form")))
        elif step == 4:
            context["duur_form"] = kwargs.get("duur_form") or DuurForm(
                initial={"looptijd": concept.looptijd, "referentie": concept.referentie}
            )
        if step > 3 or concept.has_gebruikers_step:
            context["gekozen_gebruikers"] = list(
                organisatie.lidmaatschappen.filter(pk__in=concept.gebruiker_ids)
                .select_related("user")
                .order_by("user__last_name")
            )
            context["gekozen_groepen"] = list(
                Groep.objects.filter(organisatie=organisatie, pk__in=concept.groep_ids)
            )
        return context

    def _bestaande(self, relatie):
        """The active or pending ketenmachtiging for ``relatie`` that makes a request a duplicate
        (not the one this concept renews)."""
        if relatie is None:
            return None
        bestaande = services.open_ketenmachtiging_for(
            intermediair=self.request.organisatie, relatie=relatie
        )
        if bestaande is not None and bestaande.pk == self.concept.vernieuwing_van_id:
            return None
        return bestaande

    def _gebruikers_context(self, form=None) -> dict:
        organisatie = self.request.organisatie
        q = (self.request.GET.get("q") or self.request.POST.get("q") or "")[:100]
        from accounts.selectors import gebruikers_for

        chosen_users = set(self.concept.gebruiker_ids)
        chosen_groups = set(self.concept.groep_ids)
        if form is not None and form.is_bound:
            chosen_users = {int(v) for v in form.data.getlist("gebruikers") if v.isdigit()}
            chosen_groups = {int(v) for v in form.data.getlist("groepen") if v.isdigit()}
        leden = list(gebruikers_for(organisatie=organisatie, search=q)[:500])
        groepen = Groep.objects.filter(organisatie=organisatie).order_by("naam")
        if q:
            groepen = groepen.filter(naam__icontains=q)
        return {
            "gebruikers_form": form,
            "q": q,
            "leden": leden,
            "groepen": list(groepen[:200]),
            "chosen_users": chosen_users,
            "chosen_groups": chosen_groups,
            "hidden_users": sorted(chosen_users - {m.pk for m in leden}),
            "hidden_groups": sorted(chosen_groups - {g.pk for g in groepen}),
        }

    def post(self, request, *args, **kwargs):
        step = request.POST.get("stap")
        handler = {
            "1": self.post_bedrijf,
            "2": self.post_diensten,
            "3": self.post_gebruikers,
            "4": self.post_duur,
        }.get(step)
        if handler is None:
            return redirect(WIZARD)
        return handler(request)

    def post_bedrijf(self, request):
        form = BedrijfZoekForm(request.POST)
        if form.is_valid():
            try:
                bedrijf = lookup_active(form.cleaned_data["nummer"])
            except KvkError as exc:
                form.add_error("nummer", str(exc))
            else:
                relatie = services.Relatie.from_bedrijf(bedrijf)
                bestaande = self._bestaande(relatie)
                if bestaande is None or bestaande.pk == self.concept.vervangt_id:
                    # (A failed request that this one replaces is withdrawn when it is sent.)
                    self.concept.set_relatie(relatie)
                    self.concept.save()
                    return redirect(WIZARD)
                # Say it now, not after the whole wizard: the request would be refused.
                form.add_error(
                    "nummer",
                    _(
                        "%(naam)s already has an active or pending ketenmachtiging with you "
                        "(status: %(status)s). A second request is not possible."
                    )
                    % {"naam": relatie.naam, "status": Status(bestaande.effective_status()).label},
                )
                return self.render_to_response(
                    self.get_context_data(step=1, zoek_form=form, bestaande=bestaande), status=400
                )
        return self.render_to_response(self.get_context_data(step=1, zoek_form=form), status=400)

    def post_diensten(self, request):
        if is_picker_search(request):
            picker = picker_context(data=request.POST)
            return self.render_to_response(self.get_context_data(step=2, picker=picker))
        form = ScopePickerForm(request.POST)
        if form.is_valid():
            self.concept.set_scope(form.scope)
            self.concept.save()
            return redirect(WIZARD)
        errors = [str(e) for errs in form.errors.values() for e in errs]
        picker = picker_context(data=request.POST, errors=errors)
        return self.render_to_response(self.get_context_data(step=2, picker=picker), status=400)

    def post_gebruikers(self, request):
        form = GebruikersKeuzeForm(request.POST, organisatie=request.organisatie)
        if request.POST.get("zoek") is not None:
            return self.render_to_response(self.get_context_data(step=3, gebruikers_form=form))
        if form.is_valid():
            self.concept.set_gebruikers(
                [m.pk for m in form.cleaned_data["gebruikers"]],
                [g.pk for g in form.cleaned_data["groepen"]],
            )
            self.concept.save()
            return redirect(WIZARD)
        return self.render_to_response(
            self.get_context_data(step=3, gebruikers_form=form), status=400
        )

    def post_duur(self, request):
        form = DuurForm(request.POST)
        if form.is_valid():
            self.concept.set_duur(form.cleaned_data["looptijd"], form.cleaned_data["referentie"])
            self.concept.save()
            return redirect(WIZARD)
        return self.render_to_response(self.get_context_data(step=4, duur_form=form), status=400)


class AanvraagAnnuleerView(ConceptMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.concept.clear()
        messages.info(request, _("The request has been cancelled; nothing was sent."))
        return redirect("ketenmachtigingen:van_relaties")


class CompleteConceptMixin(ConceptMixin):
    """The final steps need a complete concept; otherwise back to the wizard."""

    def get(self, request, *args, **kwargs):
        if not self.concept.complete:
            return redirect(WIZARD)
        return super().get(request, *args, **kwargs)

    def linked(self):
        organisatie = self.request.organisatie
        gebruikers = organisatie.lidmaatschappen.filter(pk__in=self.concept.gebruiker_ids)
        groepen = Groep.objects.filter(organisatie=organisatie, pk__in=self.concept.groep_ids)
        return list(gebruikers.select_related("user")), list(groepen)

    def vervangt(self):
        """The failed request of this organisation that the new one replaces, if any."""
        from ..models import Ketenmachtiging
        from ..selectors import ketenmachtiging_of

        if not self.concept.vervangt_id:
            return None
        try:
            return ketenmachtiging_of(
                organisatie=self.request.organisatie, pk=self.concept.vervangt_id
            )
        except Ketenmachtiging.DoesNotExist:
            return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["concept"] = self.concept
        context["relatie"] = self.concept.relatie
        context["scope_text"] = scope_text(self.concept.scope or Scope())
        return context


class VersturenView(CompleteConceptMixin, TemplateView):
    """Verstuur aanvraag tot goedkeuring."""

    template_name = "ketenmachtigingen/versturen.html"

    def get_initial(self) -> dict:
        from ..selectors import afzender_initial

        initial = {"taal": "nl"}
        initial.update(
            afzender_initial(organisatie=self.request.organisatie, user=self.request.user)
        )
        initial.update(self.concept.contacten)
        return initial

    def form_class(self):
        return ImportVersturenForm if self.concept.import_id else VersturenForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = kwargs.get("form") or self.form_class()(initial=self.get_initial())
        context["bestaande"] = kwargs.get("bestaande")
        context["tarief"] = tarief_tekst()
        context["website"] = settings.PLATFORM_WEBSITE
        return context

    def post(self, request, *args, **kwargs):
        if not self.concept.complete:
            return redirect(WIZARD)
        if "als_standaard" in request.POST:
            return self.save_as_default(request)
        if self.concept.import_id:
            return self.post_import(request)
        form = VersturenForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            gebruikers, groepen = self.linked()
            vernieuwing = None
            if self.concept.vernieuwing_van_id:
                from ..selectors import ketenmachtiging_of

                try:
                    vernieuwing = ketenmachtiging_of(
                        organisatie=request.organisatie, pk=self.concept.vernieuwing_van_id
                    )
                except Exception:  # noqa: BLE001 - a renewal of something gone is a new request
                    vernieuwing = None
            try:
                km = services.ketenmachtiging_request(
                    actor=request.user,
                    intermediair=request.organisatie,
                    relatie=self.concept.relatie,
                    scope=self.concept.scope,
                    gebruikers=gebruikers,
                    groepen=groepen,
                    looptijd_jaren=self.concept.looptijd,
                    referentie=self.concept.referentie,
                    contacten=services.Contacten(
                        voorletters=data["voorletters"],
                        tussenvoegsel=data["tussenvoegsel"],
                        achternaam=data["achternaam"],
                        email=data["email"],
                        telefoon=data["telefoon"],
                        relatie_email=data["relatie_email"],
                        relatie_telefoon=data["relatie_telefoon"],
                        relatie_voorletters=data["relatie_voorletters"],
                        relatie_tussenvoegsel=data["relatie_tussenvoegsel"],
                        relatie_achternaam=data["relatie_achternaam"],
                    ),
                    taal=data["taal"],
                    persoonlijk_bericht=data["persoonlijk_bericht"],
                    akkoord_kosten=data["akkoord_kosten"],
                    vernieuwing_van=vernieuwing,
                    vervangt=self.vervangt(),
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
                bestaande = getattr(exc, "bestaande", None)
                return self.render_to_response(
                    self.get_context_data(form=form, bestaande=bestaande), status=400
                )
            else:
                self.concept.clear()
                messages.success(
                    request,
                    _("The request has been sent. The invitation is being e-mailed to %(email)s.")
                    % {"email": km.relatie_contact_email},
                )
                return redirect(km.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def save_as_default(self, request):
        """ "Stel deze gegevens als standaard in": save the own contact person as typed to the
        sender settings, and stay on this step with everything typed kept (nothing is sent).
        Only the contact fields are judged; the rest may still be empty."""
        form = self.form_class()(request.POST)
        saved = save_contact_as_default(request, form)
        return self.render_to_response(
            self.get_context_data(form=form), status=200 if saved else 400
        )

    def post_import(self, request):
        """Send one request per company of the import (by a task, with progress)."""
        form = ImportVersturenForm(request.POST)
        imp = Import.objects.filter(
            organisatie=request.organisatie, pk=self.concept.import_id
        ).first()
        if imp is None:
            self.concept.clear()
            return redirect("ketenmachtigingen:import")
        if form.is_valid():
            data = form.cleaned_data
            gebruikers, groepen = self.linked()
            try:
                services.import_start_requests(
                    actor=request.user,
                    imp=imp,
                    scope=self.concept.scope,
                    gebruikers=gebruikers,
                    groepen=groepen,
                    looptijd_jaren=self.concept.looptijd,
                    referentie=self.concept.referentie,
                    contacten={
                        k: data[k]
                        for k in ("voorletters", "tussenvoegsel", "achternaam", "email", "telefoon")
                    },
                    taal=data["taal"],
                    persoonlijk_bericht=data["persoonlijk_bericht"],
                    akkoord_kosten=data["akkoord_kosten"],
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                self.concept.clear()
                return redirect(imp.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)


class GoedgekeurdView(CompleteConceptMixin, TemplateView):
    """Ik heb al goedkeuring ontvangen: the manual's warning, then Kies organisatie."""

    template_name = "ketenmachtigingen/goedgekeurd.html"

    def get(self, request, *args, **kwargs):
        if self.concept.import_id:
            return redirect(WIZARD)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["bevestigd"] = kwargs.get("bevestigd", self.request.GET.get("bevestigd") == "1")
        context["form"] = kwargs.get("form") or GoedgekeurdForm()
        return context

    def post(self, request, *args, **kwargs):
        if not self.concept.complete or self.concept.import_id:
            return redirect(WIZARD)
        form = GoedgekeurdForm(request.POST)
        if form.is_valid():
            gebruikers, groepen = self.linked()
            try:
                km = services.ketenmachtiging_register_approved(
                    actor=request.user,
                    intermediair=request.organisatie,
                    relatie=self.concept.relatie,
                    scope=self.concept.scope,
                    gebruikers=gebruikers,
                    groepen=groepen,
                    looptijd_jaren=self.concept.looptijd,
                    referentie=self.concept.referentie,
                    leverancier=form.cleaned_data["leverancier"],
                    vervangt=self.vervangt(),
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                self.concept.clear()
                messages.success(request, _("The ketenmachtiging has been added."))
                return redirect(km.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form, bevestigd=True), status=400)
