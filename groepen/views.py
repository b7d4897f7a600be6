"""Views of the groepen app. Every view finds its group through ``groep_of`` with the
organisation being managed, so another organisation's group is a 404."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import FormView, ListView, TemplateView

from accounts.mixins import KetenmachtigingAccessMixin
from accounts.models import Lidmaatschap
from accounts.selectors import lidmaatschap_of
from diensten.picker import ScopePickerForm, is_picker_search, picker_context
from diensten.scope import Scope, scope_of, scope_text
from ketenportal.exceptions import DomainError

from . import selectors, services
from .forms import GroepNaamForm, GroepScopeSoortForm, LedenToevoegenForm


class GroepMixin(KetenmachtigingAccessMixin):
    def load_objects(self) -> None:
        self.get_groep()

    def get_groep(self):
        if not hasattr(self, "_groep"):
            try:
                self._groep = selectors.groep_of(
                    organisatie=self.request.organisatie, pk=self.kwargs["pk"]
                )
            except selectors.Groep.DoesNotExist as exc:
                raise Http404 from exc
        return self._groep

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["groep"] = self.get_groep()
        return context


class GroepenView(KetenmachtigingAccessMixin, ListView):
    template_name = "groepen/lijst.html"
    context_object_name = "groepen"
    paginate_by = 50

    def get_queryset(self):
        self.q = self.request.GET.get("q", "")[:100]
        return selectors.groepen_for(organisatie=self.request.organisatie, search=self.q)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["q"] = self.q
        return context


class GroepCreateView(KetenmachtigingAccessMixin, FormView):
    """Groepen > Voeg toe: a name, then "Sla op en voeg gebruikers toe"."""

    template_name = "groepen/nieuw.html"
    form_class = GroepNaamForm

    def form_valid(self, form):
        try:
            groep = services.groep_create(
                actor=self.request.user,
                organisatie=self.request.organisatie,
                naam=form.cleaned_data["naam"],
            )
        except DomainError as exc:
            form.add_error("naam", str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("The group has been saved. Now add users."))
        return redirect("groepen:leden", pk=groep.pk)


class GroepDetailView(GroepMixin, TemplateView):
    template_name = "groepen/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        groep = context["groep"]
        context["leden"] = selectors.groep_leden(groep)
        context["scope_text"] = scope_text(scope_of(groep))
        context["ketenmachtigingen"] = _linked_ketenmachtigingen(groep)
        return context


def _linked_ketenmachtigingen(groep):
    """The ketenmachtigingen this group is linked to (the relation belongs to that app)."""
    related = getattr(groep, "ketenmachtigingen", None)
    return list(related.all()[:100]) if related is not None else []


class GroepRenameView(GroepMixin, FormView):
    template_name = "groepen/wijzig.html"
    form_class = GroepNaamForm

    def get_initial(self):
        return {"naam": self.get_groep().naam}

    def form_valid(self, form):
        try:
            services.groep_rename(
                actor=self.request.user, groep=self.get_groep(), naam=form.cleaned_data["naam"]
            )
        except DomainError as exc:
            form.add_error("naam", str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("The group has been renamed."))
        return redirect("groepen:detail", pk=self.get_groep().pk)


class GroepDeleteView(GroepMixin, TemplateView):
    """Delete a group after confirmation; linked ketenmachtigingen lose the link."""

    template_name = "groepen/verwijder.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["ketenmachtigingen"] = _linked_ketenmachtigingen(context["groep"])
        return context

    def post(self, request, *args, **kwargs):
        groep = self.get_groep()
        services.groep_delete(actor=request.user, groep=groep)
        messages.success(
            request, _("The group “%(naam)s” has been deleted.") % {"naam": groep.naam}
        )
        return redirect("groepen:lijst")


class GroepLedenView(GroepMixin, FormView):
    """Voeg gebruikers toe: the organisation's users not in the group, searchable."""

    template_name = "groepen/leden.html"
    form_class = LedenToevoegenForm

    def get_candidates(self):
        self.q = (self.request.GET.get("q") or self.request.POST.get("q") or "")[:100]
        return selectors.leden_candidates(groep=self.get_groep(), search=self.q)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["candidates"] = self.get_candidates()
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["q"] = self.q
        context["candidates"] = list(context["form"].fields["leden"].queryset[:500])
        context["leden"] = selectors.groep_leden(self.get_groep())
        return context

    def form_valid(self, form):
        groep = self.get_groep()
        try:
            added = services.groep_leden_add(
                actor=self.request.user, groep=groep, lidmaatschappen=form.cleaned_data["leden"]
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(
            self.request,
            ngettext("%(n)s user added.", "%(n)s users added.", len(added)) % {"n": len(added)},
        )
        unable = [str(m.user) for m in added if not m.user.can_use_ketenmachtigingen]
        if unable:
            messages.warning(
                self.request,
                ngettext(
                    "Note: %(names)s cannot use ketenmachtigingen: a means of at least level "
                    "EH3 that is not for the Belastingdienst only is needed.",
                    "Note: %(names)s cannot use ketenmachtigingen: a means of at least level "
                    "EH3 that is not for the Belastingdienst only is needed.",
                    len(unable),
                )
                % {"names": ", ".join(unable)},
            )
        if self.request.POST.get("next_step") == "diensten":
            return redirect("groepen:diensten", pk=groep.pk)
        return redirect("groepen:leden", pk=groep.pk)


class GroepLidRemoveView(GroepMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        groep = self.get_groep()
        try:
            lidmaatschap = lidmaatschap_of(organisatie=request.organisatie, pk=kwargs["lid"])
            services.groep_lid_remove(actor=request.user, groep=groep, lidmaatschap=lidmaatschap)
        except (Lidmaatschap.DoesNotExist, DomainError) as exc:
            raise Http404 from exc
        messages.success(
            request, _("%(name)s has been removed from the group.") % {"name": lidmaatschap.user}
        )
        return redirect("groepen:detail", pk=groep.pk)


class GroepDienstenView(GroepMixin, TemplateView):
    """Toegestane diensten: algemene bevoegdheid, or restricted with the service picker."""

    template_name = "groepen/diensten.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        groep = context["groep"]
        current = scope_of(groep)
        soort_form = kwargs.get("soort_form") or GroepScopeSoortForm(
            initial={"soort": "algemeen" if current.algemeen else "beperkt"}
        )
        context["soort_form"] = soort_form
        context["picker"] = kwargs.get("picker") or picker_context(
            initial=Scope() if current.algemeen else current, allow_algemeen=False
        )
        context["scope_text"] = scope_text(current)
        return context

    def post(self, request, *args, **kwargs):
        groep = self.get_groep()
        soort_form = GroepScopeSoortForm(request.POST)
        if is_picker_search(request):
            return self.render_to_response(
                self.get_context_data(
                    soort_form=soort_form,
                    picker=picker_context(data=request.POST, allow_algemeen=False),
                )
            )
        errors: list[str] = []
        if soort_form.is_valid():
            if soort_form.cleaned_data["soort"] == GroepScopeSoortForm.ALGEMEEN:
                scope = Scope.algemene_bevoegdheid()
            else:
                picker_form = ScopePickerForm(request.POST)
                if picker_form.is_valid():
                    scope = picker_form.scope
                else:
                    scope = None
                    errors = [str(e) for errs in picker_form.errors.values() for e in errs]
            if scope is not None:
                services.groep_set_scope(actor=request.user, groep=groep, scope=scope)
                messages.success(request, _("The allowed services of the group have been saved."))
                return redirect("groepen:detail", pk=groep.pk)
        context = self.get_context_data(
            soort_form=soort_form,
            picker=picker_context(data=request.POST, allow_algemeen=False, errors=errors),
        )
        return self.render_to_response(context, status=400)
