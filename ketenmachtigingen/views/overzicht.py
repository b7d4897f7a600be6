"""Ketenmachtigingen > van relaties: the overview with its tabs, one ketenmachtiging, and what a
beheerder does with it (link and unlink users and groups, end, renew, send again, the PDF)."""

import io
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.paginator import InvalidPage
from django.http import FileResponse, Http404, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import ListView, TemplateView

from abonnementen.mixins import AbonnementRequiredMixin
from accounts.models import Lidmaatschap
from diensten.scope import scope_of
from groepen.models import Groep
from ketenportal.exceptions import DomainError
from ketenportal.utils.platform import tarief_tekst

from .. import selectors, services
from ..concept import Concept
from ..constants import DEFAULT_PAGE_SIZE, PAGE_SIZES, PENDING, Status, Tab
from ..forms import (
    BeeindigForm,
    GebruikersKeuzeForm,
    OverzichtFilterForm,
    VerlengSelectieForm,
)
from ..listing import chips, clear_filters_url, query_with, sort_headers, tab_links
from ..models import Ketenmachtiging
from ..rows import (
    USER_NAME_FIELDS,
    actions_for,
    build_rows,
    other_matches,
    renewal_text,
    url_template,
)
from ..rows_html import acties_rows_html, options_html, rows_html
from .instellingen import save_contact_as_default

logger = logging.getLogger(__name__)


def _next_or(request, fallback: str) -> str:
    """The posted ``next`` when it is a path on this site ("/…"), else ``fallback``: a value
    without a slash would make ``redirect()`` look for a URL pattern of that name (a 500)."""
    candidate = request.POST.get("next") or ""
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}
    ):
        return candidate
    return fallback


class OverzichtView(AbonnementRequiredMixin, ListView):
    """The tabs Actief, Wachtend op afhandeling, Acties, Verlopen and Historie: searchable,
    filterable and sortable through the query string (``forms.OverzichtFilterForm``), so a view
    of the list can be bookmarked. With a search or filters the tabs show how many match in
    each. A parameter that is not valid (another organisation's user, a bad date, an unknown
    choice, a page that does not exist) is ignored and the page says so: never a 404."""

    template_name = "ketenmachtigingen/overzicht.html"
    context_object_name = "ketenmachtigingen"
    abonnement_lezen = True
    paginate_by = DEFAULT_PAGE_SIZE

    def get_tab(self) -> str:
        tab = self.request.GET.get("tab", Tab.ACTIEF)
        return tab if tab in Tab.values else Tab.ACTIEF

    def get_form(self) -> OverzichtFilterForm:
        if not hasattr(self, "_form"):
            self._form = OverzichtFilterForm(
                self.request.GET,
                choices=selectors.overzicht_filter_choices(organisatie=self.request.organisatie),
            )
        return self._form

    def get_queryset(self):
        form = self.get_form()
        self.q = form.value("q") or ""
        # The status filter belongs to Wachtend (its statuses); elsewhere it is left out.
        self.status = (form.value("status") or "") if self.get_tab() == Tab.WACHTEND else ""
        self.sort = form.value("sort") or ""
        self.filters = form.filters()
        return selectors.ketenmachtigingen_for(
            organisatie=self.request.organisatie,
            tab=self.get_tab(),
            q=self.q,
            status=self.status,
            sort=self.sort,
            filters=self.filters,
        )  # the rows' links are read per page by ``build_rows``

    @property
    def narrowed(self) -> bool:
        """A search or a filter is in use (beyond the Wachtend tab's status)."""
        return bool(self.q or self.filters)

    def get_paginate_by(self, queryset) -> int:
        return self.get_form().value("per_pagina") or DEFAULT_PAGE_SIZE

    def get_counts(self) -> dict[str, int]:
        if not hasattr(self, "_counts"):
            self._counts = selectors.tab_counts(organisatie=self.request.organisatie)
        return self._counts

    def get_search_counts(self) -> dict[str, int] | None:
        """Per tab (Acties too), how many match the search and filters; None without them."""
        if not self.narrowed:
            return None
        if not hasattr(self, "_search_counts"):
            self._search_counts = selectors.search_counts(
                organisatie=self.request.organisatie,
                q=self.q,
                filters=self.filters,
                acties=True,
            )
        return self._search_counts

    def get_paginator(self, queryset, *args, **kwargs):
        paginator = super().get_paginator(queryset, *args, **kwargs)
        tab = self.get_tab()
        if not (self.narrowed or self.status):
            # The whole tab: its size is the tab's count, so the page needs no count of its own.
            paginator.count = self.get_counts()[tab]
        elif not self.status:
            # A search or filters: the counts per tab that the page shows hold this tab's too.
            paginator.count = self.get_search_counts()[tab]
        return paginator

    def paginate_queryset(self, queryset, page_size):
        """As ``ListView`` does, but a page that is not a number or does not exist shows the
        first page with a message instead of a 404."""
        paginator = self.get_paginator(queryset, page_size, allow_empty_first_page=True)
        asked = self.request.GET.get(self.page_kwarg) or "1"
        try:
            page = paginator.page(int(asked))
        except (ValueError, InvalidPage):
            self.page_problem = _("Page “%(page)s” does not exist; the first page is shown.") % {
                "page": asked[:10]
            }
            page = paginator.page(1)
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        tab = self.get_tab()
        page_path = self.request.get_full_path()
        if tab == Tab.ACTIES:
            # The renewal form shows the relatie, its recipient and end date: none of the
            # links, scope and renewals that ``build_rows`` reads for the other tabs.
            rows = list(context["ketenmachtigingen"])
            context.update(
                verleng_form=kwargs.get("verleng_form")
                or VerlengSelectieForm(
                    initial=selectors.afzender_initial(
                        organisatie=self.request.organisatie, user=self.request.user
                    )
                ),
                verleng_rijen_html=acties_rows_html(
                    verleng_rijen(
                        rows,
                        getattr(self, "verleng_data", None),
                        getattr(self, "verleng_fouten", None),
                    )
                ),
                tarief=tarief_tekst(),
                website=settings.PLATFORM_WEBSITE,
            )
        else:
            rows = build_rows(context["ketenmachtigingen"], today=today)
            context["rows_html"] = rows_html(
                rows, tab=tab, csrf_token=get_token(self.request), page_path=page_path
            )
        params = self.request.GET
        form = self.get_form()
        search_counts = self.get_search_counts()
        problems = form.problems()
        if getattr(self, "page_problem", ""):
            problems.append(self.page_problem)
        matches = other_matches(search_counts, tab=tab, params=params)
        # With a search or filters the tabs count their matches; the totals are not read.
        counts = search_counts if search_counts is not None else self.get_counts()
        context.update(
            rows=rows,
            tab=tab,
            tabs=Tab,
            tab_links=tab_links(params, tab=tab, counts=counts),
            counts=counts,
            search_counts=search_counts,
            other_matches=matches,
            # Nothing here, everything in other tabs: say so plainly.
            all_elsewhere=bool(matches) and not context["paginator"].count,
            q=self.q,
            status=self.status,
            sort=self.sort,
            narrowed=self.narrowed,
            filter_form=form,
            filter_problems=problems,
            chips=chips(params, form),
            clear_filters_url=clear_filters_url(params),
            sort_headers=sort_headers(params, sort=self.sort),
            # The export takes the same search, filters and sort (hidden fields of its form).
            export_params=[
                (key, value)
                for key, value in QueryDict(query_with(params, drop=("per_pagina",))[1:]).items()
                if key != "tab"
            ],
            current={
                name: "" if name in form.errors else params.get(name, "") for name in form.fields
            },
            page_sizes=PAGE_SIZES,
            per_pagina=self.get_paginate_by(None),
            pending_statuses=[(s.value, s.label) for s in Status if s in PENDING],
            dienstverlener_id=self.filters.dienstverlener_id,
            today=today,
            page_path=page_path,
        )
        context.update(self.filter_options(form, context["current"]))
        return context

    def filter_options(self, form: OverzichtFilterForm, current: dict[str, str]) -> dict:
        """The options of the filter form's lists, read once with only the fields they show
        and written as HTML here (``options_html``): an office has a hundred users and the
        catalogue fifty service providers, and through the template engine, with a widget or
        a loop per option, they cost a tenth of the page under load. The services are those
        of the chosen service provider (or of the chosen service's): the catalogue has too
        many to list them all."""
        fields = form.fields
        dienstverlener = form.value("dienstverlener")
        dienst = form.value("dienst")
        dienstverlener_id = (
            dienstverlener.pk if dienstverlener else dienst.dienstverlener_id if dienst else None
        )
        leden = fields["gebruiker"].queryset.only("pk", *USER_NAME_FIELDS)
        naam = ("pk", "naam_nl", "naam_en")
        diensten = (
            fields["dienst"].queryset.select_related(None).only(*naam) if dienstverlener_id else []
        )
        return {
            "gebruiker_options": options_html(
                ((m.pk, str(m.user)) for m in leden), current["gebruiker"]
            ),
            "groep_options": options_html(
                ((g.pk, g.naam) for g in fields["groep"].queryset.only("pk", "naam")),
                current["groep"],
            ),
            "dienstverlener_options": options_html(
                ((dv.pk, dv.naam) for dv in fields["dienstverlener"].queryset.only(*naam)),
                current["dienstverlener"],
            ),
            "dienst_options": options_html(
                ((d.pk, d.naam) for d in diensten.filter(dienstverlener_id=dienstverlener_id))
                if dienstverlener_id
                else (),
                current["dienst"],
            ),
        }


class KetenmachtigingMixin(AbonnementRequiredMixin):
    def load_objects(self) -> None:
        try:
            self.km = selectors.ketenmachtiging_of(
                organisatie=self.request.organisatie, pk=self.kwargs["pk"]
            )
        except Ketenmachtiging.DoesNotExist as exc:
            raise Http404 from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["km"] = self.km
        return context


class DetailView(KetenmachtigingMixin, TemplateView):
    template_name = "ketenmachtigingen/detail.html"
    abonnement_lezen = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = selectors.km_history(self.km, organisatie=self.request.organisatie)
        context["uitnodiging"] = selectors.current_invitation(self.km)
        context["today"] = today = timezone.localdate()
        context["actions"] = actions_for(self.km, today)
        verlenging = (
            selectors.open_renewal_of(self.km, today) if self.km.status == Status.ACTIEF else None
        )
        context["verlenging"] = verlenging
        context["verlenging_text"] = renewal_text(verlenging, today) if verlenging else ""
        return context


class GebruikerToevoegenView(KetenmachtigingMixin, TemplateView):
    """Voeg gebruiker toe: link more users or groups. Not offered once the ketenmachtiging has
    ended, expired or lapsed (the service refuses it too): back to its page."""

    template_name = "ketenmachtigingen/gebruikers_toevoegen.html"

    def get(self, request, *args, **kwargs):
        if not self.km.can_link():
            messages.error(
                request, _("This ketenmachtiging has ended; users can no longer be linked.")
            )
            return redirect(self.km.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        from accounts.selectors import gebruikers_for

        q = (self.request.GET.get("q") or "")[:100]
        linked_users = {m.pk for m in self.km.gebruikers.all()}
        linked_groups = {g.pk for g in self.km.groepen.all()}
        context.update(
            q=q,
            form=kwargs.get("form"),
            leden=[
                m
                for m in gebruikers_for(organisatie=self.request.organisatie, search=q)[:500]
                if m.pk not in linked_users
            ],
            groepen=[
                g
                for g in Groep.objects.filter(organisatie=self.request.organisatie).order_by("naam")
                if g.pk not in linked_groups
            ],
        )
        return context

    def post(self, request, *args, **kwargs):
        form = GebruikersKeuzeForm(
            request.POST, organisatie=request.organisatie, require_choice=True
        )
        if form.is_valid():
            try:
                services.ketenmachtiging_link(
                    actor=request.user,
                    km=self.km,
                    gebruikers=form.cleaned_data["gebruikers"],
                    groepen=form.cleaned_data["groepen"],
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The users have been linked."))
                return redirect(self.km.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)


class GebruikerOntkoppelView(KetenmachtigingMixin, TemplateView):
    """Remove a user (the bin next to the name): access ends at once."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            lid = Lidmaatschap.objects.get(organisatie=request.organisatie, pk=kwargs["lid"])
            services.ketenmachtiging_unlink_gebruiker(
                actor=request.user, km=self.km, lidmaatschap=lid
            )
        except (Lidmaatschap.DoesNotExist, DomainError) as exc:
            raise Http404 from exc
        messages.success(
            request,
            _("%(name)s no longer has access through this ketenmachtiging.") % {"name": lid.user},
        )
        return redirect(_next_or(request, self.km.get_absolute_url()))


class GroepOntkoppelView(KetenmachtigingMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            groep = Groep.objects.get(organisatie=request.organisatie, pk=kwargs["groep"])
            services.ketenmachtiging_unlink_groep(actor=request.user, km=self.km, groep=groep)
        except (Groep.DoesNotExist, DomainError) as exc:
            raise Http404 from exc
        messages.success(
            request,
            _("The group “%(naam)s” no longer has access through this ketenmachtiging.")
            % {"naam": groep.naam},
        )
        return redirect(_next_or(request, self.km.get_absolute_url()))


class BeeindigView(KetenmachtigingMixin, TemplateView):
    """Verwijder bedrijf: at once or on a future date, with the irreversible warning."""

    template_name = "ketenmachtigingen/beeindig.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = kwargs.get("form") or BeeindigForm(einddatum=self.km.einddatum)
        context["is_pending"] = self.km.effective_status() in PENDING
        return context

    def post(self, request, *args, **kwargs):
        form = BeeindigForm(request.POST, einddatum=self.km.einddatum)
        if form.is_valid():
            per = form.cleaned_data["datum"] if form.cleaned_data["wijze"] == form.DATUM else None
            try:
                km = services.ketenmachtiging_end(actor=request.user, km=self.km, per=per)
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                if km.status == Status.BEEINDIGD:
                    messages.success(request, _("The company has been removed from the overview."))
                    return redirect("ketenmachtigingen:van_relaties")
                messages.success(
                    request,
                    _("The ketenmachtiging ends on %(datum)s. Until then it stays in the overview.")
                    % {"datum": km.einde_gepland_op.strftime("%d-%m-%Y")},
                )
                return redirect(km.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form), status=400)


class VerlengView(KetenmachtigingMixin, TemplateView):
    """Vraag verlenging aan: start a new request for the same relatie, prefilled."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        km = self.km
        verlenging = selectors.open_renewal_of(km)
        if verlenging is not None:
            # Asked already (another tab, a colleague): say when, and where it is.
            messages.info(request, renewal_text(verlenging, timezone.localdate()))
            return redirect(km.get_absolute_url())
        if not km.renewal_due():
            messages.error(request, _("This ketenmachtiging cannot be renewed now."))
            return redirect(km.get_absolute_url())
        concept = Concept(request)
        concept.clear()
        concept.set_relatie(
            services.Relatie(
                naam=km.relatie_naam,
                kvk_nummer=km.relatie_kvk_nummer,
                rsin=km.relatie_rsin,
                adres=km.relatie_adres,
                postcode_plaats=km.relatie_postcode_plaats,
                land=km.relatie_land,
            )
        )
        concept.set_scope(scope_of(km))
        concept.set_gebruikers(
            [m.pk for m in km.gebruikers.all()], [g.pk for g in km.groepen.all()]
        )
        concept.set_duur(km.looptijd_jaren, km.referentie)
        concept.set_vernieuwing(
            km.pk,
            {
                "relatie_email": km.relatie_contact_email,
                "relatie_telefoon": km.relatie_contact_telefoon,
                "relatie_voorletters": km.relatie_contact_voorletters,
                "relatie_tussenvoegsel": km.relatie_contact_tussenvoegsel,
                "relatie_achternaam": km.relatie_contact_achternaam,
                "taal": km.taal,
            },
        )
        concept.save()
        messages.info(request, _("Check the details of the renewal and send it."))
        return redirect("ketenmachtigingen:versturen")


class OpnieuwAanvragenView(KetenmachtigingMixin, TemplateView):
    """Vraag opnieuw aan (Verlopen, Historie, and a failed request): the request wizard,
    prefilled with the relatie, the scope, the users and groups that can still be linked, the
    contacts, the term and the language. Changes no data: it fills the session's concept and
    redirects to the wizard, where the beheerder checks every step and sends. Users who can no
    longer be linked are left out with a notice. When the relatie has an open (active or
    pending) ketenmachtiging, that one is pointed out instead. A failed request is withdrawn
    when its replacement is sent (``ketenmachtiging_request(vervangt=…)``)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        km = self.km
        if not km.can_request_again():
            messages.error(
                request, _("This ketenmachtiging is still open; it cannot be requested again.")
            )
            return redirect(km.get_absolute_url())
        open_km = services.open_ketenmachtiging_for(
            intermediair=request.organisatie, relatie=services.Relatie.from_ketenmachtiging(km)
        )
        if open_km is not None and open_km.pk != km.pk:
            messages.warning(
                request,
                _(
                    "%(naam)s already has an open ketenmachtiging with you (status: %(status)s); "
                    "it is shown below. A new one can be requested when it has ended."
                )
                % {
                    "naam": km.relatie_naam,
                    "status": Status(open_km.effective_status()).label,
                },
            )
            return redirect(open_km.get_absolute_url())
        gebruikers, groepen, left_out = selectors.linkable_again(km)
        concept = Concept(request)
        concept.start_again(
            km, gebruiker_ids=[m.pk for m in gebruikers], groep_ids=[g.pk for g in groepen]
        )
        concept.save()
        if left_out:
            messages.warning(
                request,
                _("Left out because they can no longer use ketenmachtigingen: %(names)s.")
                % {"names": ", ".join(str(m.user) for m in left_out)},
            )
        if concept.vervangt_id:
            messages.info(
                request,
                _(
                    "Check the details of the new request and send it. The failed request is "
                    "withdrawn when you send the new one."
                ),
            )
        else:
            messages.info(request, _("Check the details of the new request and send it."))
        return redirect("ketenmachtigingen:nieuw")


class OpnieuwVersturenView(KetenmachtigingMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            services.ketenmachtiging_resend(actor=request.user, km=self.km)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The invitation is being sent again."))
        return redirect(self.km.get_absolute_url())


class MailOpnieuwView(KetenmachtigingMixin, TemplateView):
    """Send an undelivered e-mail about this ketenmachtiging once more (from its history)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            services.ketenmachtiging_mail_again(
                actor=request.user, km=self.km, mail_id=self.kwargs["mail"]
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("The e-mail is being sent again. Its state is shown in the history below."),
            )
        return redirect(self.km.get_absolute_url())


class FormulierView(KetenmachtigingMixin, TemplateView):
    """Download the Ketenmachtiging formulier (PDF) that was sent."""

    abonnement_lezen = True

    def get(self, request, *args, **kwargs):
        if not self.km.formulier_pdf:
            raise Http404
        try:
            content = self.km.formulier_pdf.open("rb")
        except FileNotFoundError:
            # The stored file is gone (a restore without MEDIA_ROOT, a lost disk): the form is
            # rendered again from the database, as it was sent.
            logger.warning("formulier of ketenmachtiging %s missing; rendered again", self.km.pk)
            content = io.BytesIO(services.render_formulier(self.km))
        response = FileResponse(
            content,
            as_attachment=True,
            filename=f"ketenmachtiging-{self.km.kenmerk}.pdf",
            content_type="application/pdf",
        )
        response["Cache-Control"] = "no-store"
        return response


@dataclass
class VerlengRij:
    """One row of the Acties tab as the form shows it: ticked or not, and the recipient as
    stored or as just typed, with what is wrong with it."""

    km: Ketenmachtiging
    verleng_url: str
    gekozen: bool
    naam: str
    email: str
    taal: str
    fout: str = ""


def verleng_rijen(
    kms: list[Ketenmachtiging], data=None, fouten: dict | None = None
) -> list[VerlengRij]:
    """The rows of the Acties form: from the ketenmachtigingen, or (``data``: the posted form)
    exactly as they were sent; nothing is ticked until the beheerder ticks it."""
    fouten = fouten or {}
    gekozen = set(data.getlist("selectie")) if data is not None else set()
    verleng = url_template("ketenmachtigingen:verleng")
    rijen = []
    for km in kms:
        if data is None:
            naam, email, taal = km.relatie_contact_naam, km.relatie_contact_email, km.taal
        else:
            naam = data.get(f"naam-{km.pk}", "")
            email = data.get(f"email-{km.pk}", "")
            taal = data.get(f"taal-{km.pk}", "")
        rijen.append(
            VerlengRij(
                km=km,
                verleng_url=verleng.format(pk=km.pk),
                gekozen=str(km.pk) in gekozen,
                naam=naam,
                email=email,
                taal=taal,
                fout=fouten.get(km.pk, ""),
            )
        )
    return rijen


class VerlengSelectieView(OverzichtView):
    """Verleng selectie (tab Acties): one renewal request per chosen ketenmachtiging, to the
    recipient name, e-mail address and language on its row, with the office's contact and the
    agreement to the costs. When something is wrong the tab comes back (400) exactly as it was
    sent, with each row's problem at that row. Access: as the overview (the mixin); only rows of
    the organisation that are due count (the service)."""

    http_method_names = ["post"]
    abonnement_lezen = False

    def get_tab(self) -> str:
        return Tab.ACTIES

    def post(self, request, *args, **kwargs):
        data = request.POST
        form = VerlengSelectieForm(data)
        ontvangers = {}
        for value in data.getlist("selectie"):
            if not value.isdigit():
                continue
            pk = int(value)
            ontvangers[pk] = services.Ontvanger(
                naam=data.get(f"naam-{pk}", "").strip(),
                email=data.get(f"email-{pk}", "").strip(),
                taal=data.get(f"taal-{pk}", "nl"),
            )
        fouten: dict[int, str] = {}
        if "als_standaard" in data:
            return self.save_as_default(form, data)
        if form.is_valid():
            c = form.cleaned_data
            try:
                created = services.ketenmachtigingen_renew(
                    actor=request.user,
                    organisatie=request.organisatie,
                    ontvangers=ontvangers,
                    contact=services.Contactpersoon(
                        voorletters=c["voorletters"],
                        tussenvoegsel=c["tussenvoegsel"],
                        achternaam=c["achternaam"],
                        email=c["email"],
                        telefoon=c["telefoon"],
                    ),
                    akkoord_kosten=c["akkoord_kosten"],
                    alle=data.get("alle") == "1",
                )
            except services.RenewalRowsInvalid as exc:
                fouten = exc.rows
                form.add_error(None, str(exc))
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(n)s renewal request is being sent.",
                        "%(n)s renewal requests are being sent.",
                        len(created),
                    )
                    % {"n": len(created)},
                )
                return redirect(f"{reverse('ketenmachtigingen:van_relaties')}?tab=wachtend")
        else:
            # Say everything at once: the rows' problems too, not only the contact's.
            fouten = services.renewal_row_problems(ontvangers)
        self.verleng_data, self.verleng_fouten = data, fouten
        self.object_list = self.get_queryset()
        context = self.get_context_data(verleng_form=form)
        return self.render_to_response(context, status=400)

    def save_as_default(self, form, data):
        """ "Stel deze gegevens als standaard in": the office's contact as typed becomes the
        sender settings; the tab comes back with everything typed and chosen kept, nothing sent.
        Only the contact fields are judged."""
        saved = save_contact_as_default(self.request, form)
        self.verleng_data, self.verleng_fouten = data, {}
        self.object_list = self.get_queryset()
        context = self.get_context_data(verleng_form=form)
        return self.render_to_response(context, status=200 if saved else 400)
