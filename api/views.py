"""The API's resources: the organisation's ketenmachtigingen (read, request, register, renew,
end), the KvK lookup of a relatie, the service catalogue, its users and groups, and its
berichtenbox.

Every view reads through the selectors of the HTML pages, scoped to the key's organisation
(``self.organisatie``), and writes through the same services with the key's maker as
``actor``: no rule is kept here. Another organisation's id is a 404, a refused change a
problem (``api.problems``), and every operation's errors are in the schema (``ApiAutoSchema``).
"""

import math

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import selectors as account_selectors
from accounts.models import Lidmaatschap
from berichtenbox import selectors as bericht_selectors
from berichtenbox import services as bericht_services
from berichtenbox.models import Bericht
from diensten import selectors as dienst_selectors
from diensten.models import Dienst
from groepen import selectors as groep_selectors
from groepen.models import Groep
from ketenmachtigingen import selectors, services
from ketenmachtigingen.constants import Status
from ketenmachtigingen.exceptions import DuplicateKetenmachtiging, KetenmachtigingError
from ketenmachtigingen.kvk import KvkInvalidInput, KvkNotFound, KvkUnavailable, lookup_active
from ketenmachtigingen.models import Ketenmachtiging
from ketenmachtigingen.rows import actions_for, renewal_text

from . import filters
from .base import ApiViewMixin
from .pagination import Cursor
from .permissions import HasAbonnement, HasApiKey, KeyMayWrite
from .problems import PROBLEM_CONTENT_TYPE
from .serializers import (
    LIST_COLUMNS,
    AanvraagSerializer,
    BedrijfSerializer,
    BeeindigingSerializer,
    BerichtSerializer,
    DienstSerializer,
    DienstverlenerSerializer,
    GebruikerSerializer,
    GroepDetailSerializer,
    GroepSerializer,
    KetenmachtigingDetailSerializer,
    KetenmachtigingSerializer,
    PageLinks,
    ProblemSerializer,
    RegistratieSerializer,
    VerlengingSerializer,
    detail_url,
)

# --- The schema: every operation lists the problems it can answer -----------------------------

PROBLEM_DESCRIPTIONS = {
    400: "The request is not valid: `errors` names each field.",
    401: "No valid API key: missing, wrong, expired or revoked.",
    403: "The key may not do this (a read-only key writes).",
    404: "Not found, or not of your organisation.",
    409: "Conflicts with what exists (`…:duplicate`, `existing_id`) or with the status.",
    422: "A rule refuses it; `type` names the rule.",
    429: "Too many requests for this key: wait `Retry-After` seconds.",
    503: "The KvK cannot be reached now: try again later.",
}


def problem_of(code: int) -> dict:
    """The ``responses`` entry of a problem answer (``application/problem+json``)."""
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(
            ProblemSerializer, description=PROBLEM_DESCRIPTIONS[code]
        )
    }


class ApiAutoSchema(AutoSchema):
    """Adds the problems every operation of a resource can answer: 401 and 429 always, 403 for
    a write, 404 with an id in the path or a cursor, 400 with a body or query parameters."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = {401, 429}
        if self.method != "GET":
            codes |= {400, 403}
        if "{" in self.path or self._is_list_view():
            codes.add(404)
        if self._is_list_view() or self.get_override_parameters():
            codes.add(400)
        for code in sorted(codes):
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    OpenApiResponse(ProblemSerializer, description=PROBLEM_DESCRIPTIONS[code]),
                    str(code),
                    media_types=[PROBLEM_CONTENT_TYPE],
                )
        return responses


class KvkUnavailableProblem(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "kvk_unavailable"


class Page(Cursor):
    """The cursor pages, with ``next`` and ``previous`` null on the last and first page as
    OpenAPI 3.1 writes it (DRF's schema has 3.0's ``nullable``, which 3.1 does not know)."""

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        for name in ("next", "previous"):
            field = paginated["properties"][name]
            field.pop("nullable", None)
            field["type"] = ["string", "null"]
        return paginated


class NewestFirst(Page):
    ordering = "-pk"


class TooManyRequests(exceptions.Throttled):
    """429, saying in the request's language when to try again (``Retry-After`` too)."""

    def __init__(self, wait: float | None) -> None:
        if wait is None:
            detail = _("Too many requests with this API key. Try again later.")
        else:
            seconds = math.ceil(wait)
            detail = ngettext(
                "Too many requests with this API key. Try again in %(seconds)d second.",
                "Too many requests with this API key. Try again in %(seconds)d seconds.",
                seconds,
            ) % {"seconds": seconds}
        super().__init__(detail=detail)
        # Whole seconds, rounded up: the header and the problem's ``retry_after`` agree.
        self.wait = math.ceil(wait) if wait is not None else None


class ResourceViewSet(ApiViewMixin, viewsets.GenericViewSet):
    schema = ApiAutoSchema()
    pagination_class = Page
    #: The filter serializer of a list's query parameters (``None``: no filters).
    filter_serializer_class = None

    def throttled(self, request, wait):
        raise TooManyRequests(wait)

    def handle_exception(self, exc):
        if isinstance(exc, KvkUnavailable):
            exc = KvkUnavailableProblem(str(exc), code=exc.code)
        return super().handle_exception(exc)

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "organisatie": getattr(self, "organisatie", None),
            "user": self.request.user,
            "today": timezone.localdate(),
        }

    def filter_params(self) -> dict:
        """The list's query parameters, checked (a wrong one is a 400 naming it)."""
        if self.filter_serializer_class is None:
            return {}
        known = self.filter_serializer_class().fields
        data = {k: v for k, v in self.request.query_params.items() if k in known}
        serializer = self.filter_serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def pk_of(self) -> int:
        try:
            return int(self.kwargs["pk"])
        except (TypeError, ValueError):
            raise Http404 from None

    def page_of(self, queryset, serializer_class, **context) -> Response:
        page = self.paginate_queryset(queryset)
        serializer = serializer_class(
            page, many=True, context={**self.get_serializer_context(), **context}
        )
        return self.get_paginated_response(serializer.data)

    def is_schema(self) -> bool:
        return getattr(self, "swagger_fake_view", False)


# --- Ketenmachtigingen ---------------------------------------------------------------------------

_DETAIL = {200: KetenmachtigingDetailSerializer}
_CREATED = {201: KetenmachtigingDetailSerializer}


class KetenmachtigingViewSet(ResourceViewSet):
    """Ketenmachtigingen van relaties: what the organisation's clients authorised it for."""

    queryset = Ketenmachtiging.objects.none()  # for the schema; reads go through the selectors
    serializer_class = KetenmachtigingSerializer
    permission_classes = [HasApiKey, KeyMayWrite, HasAbonnement]
    filter_serializer_class = filters.KetenmachtigingFilterSerializer

    def get_object(self) -> Ketenmachtiging:
        try:
            return selectors.ketenmachtiging_of(organisatie=self.organisatie, pk=self.pk_of())
        except Ketenmachtiging.DoesNotExist as exc:
            raise Http404 from exc

    def detail_response(self, km: Ketenmachtiging, status_code: int = 200) -> Response:
        today = timezone.localdate()
        # As the detail page: an active one may have a renewal asked already.
        verlenging = selectors.open_renewal_of(km, today) if km.status == Status.ACTIEF else None
        context = {
            **self.get_serializer_context(),
            "historie": list(selectors.status_history(km)),
            "verlenging": verlenging,
            "acties": actions_for(km, today),
        }
        headers = {"Location": detail_url("ketenmachtiging", km.pk)} if status_code == 201 else None
        return Response(
            KetenmachtigingDetailSerializer(km, context=context).data,
            status=status_code,
            headers=headers,
        )

    def fresh(self, km: Ketenmachtiging) -> Ketenmachtiging:
        """``km`` read again through the selector, with what the detail shows."""
        return selectors.ketenmachtiging_of(organisatie=self.organisatie, pk=km.pk)

    @extend_schema(
        summary="List the ketenmachtigingen",
        description="All ketenmachtigingen your clients (relaties) gave or are asked to give "
        "your organisation, or one tab of the overview; filtered, in pages (a cursor: follow "
        "`next` until it is null).",
        parameters=[filters.KetenmachtigingFilterSerializer],
    )
    def list(self, request, *args, **kwargs):
        queryset = filters.ketenmachtigingen_filtered(
            organisatie=self.organisatie, params=self.filter_params()
        )
        page = self.paginate_queryset(queryset.only(*LIST_COLUMNS))
        context = {**self.get_serializer_context(), "links": PageLinks(page)}
        serializer = KetenmachtigingSerializer(page, many=True, context=context)
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        summary="One ketenmachtiging",
        description="With its scope, linked users and groups, the invitation, what can be done "
        "with it now and its status history.",
        responses=_DETAIL,
    )
    def retrieve(self, request, *args, **kwargs):
        return self.detail_response(self.get_object())

    @extend_schema(
        summary="Request a ketenmachtiging",
        description="Verstuur aanvraag tot goedkeuring, as the wizard: the company is looked up "
        "at the KvK, the request is created and the invitation with the form to sign is "
        "e-mailed to the relatie's contact. One open request per relatie: a second is a 409 "
        "(`existing_id`).",
        request=AanvraagSerializer,
        responses={**_CREATED, **problem_of(409), **problem_of(422), **problem_of(503)},
    )
    def create(self, request, *args, **kwargs):
        serializer = AanvraagSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        km = services.ketenmachtiging_request(
            actor=request.user, intermediair=self.organisatie, **serializer.validated_data
        )
        return self.detail_response(self.fresh(km), status.HTTP_201_CREATED)

    @extend_schema(
        summary="Register an approved ketenmachtiging",
        description="Ik heb al goedkeuring ontvangen: the relatie registered it already (here "
        "or at another supplier, `leverancier`); it is recorded as active at once.",
        request=RegistratieSerializer,
        responses={**_CREATED, **problem_of(409), **problem_of(422), **problem_of(503)},
    )
    @action(detail=False, methods=["post"])
    def registreren(self, request, *args, **kwargs):
        serializer = RegistratieSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        km = services.ketenmachtiging_register_approved(
            actor=request.user, intermediair=self.organisatie, **serializer.validated_data
        )
        return self.detail_response(self.fresh(km), status.HTTP_201_CREATED)

    @extend_schema(
        summary="Renew a ketenmachtiging",
        description="Vraag verlenging aan (from 3 months before its end date): a new request "
        "for the same relatie, services, users and groups, whose term starts where this one "
        "ends; the invitation is e-mailed as for a new request. Answers the renewal.",
        request=VerlengingSerializer,
        responses={**_CREATED, **problem_of(409), **problem_of(422)},
    )
    @action(detail=True, methods=["post"])
    def verlengen(self, request, *args, **kwargs):
        km = self.get_object()
        today = timezone.localdate()
        verlenging = selectors.open_renewal_of(km, today)
        if verlenging is not None:
            raise DuplicateKetenmachtiging(renewal_text(verlenging, today), bestaande=verlenging)
        if not km.renewal_due(today):
            raise KetenmachtigingError(
                _("This ketenmachtiging cannot be renewed now."), code="not_due"
            )
        context = {**self.get_serializer_context(), "km": km}
        serializer = VerlengingSerializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        renewal = services.ketenmachtiging_request(
            actor=request.user, intermediair=self.organisatie, **serializer.validated_data
        )
        return self.detail_response(self.fresh(renewal), status.HTTP_201_CREATED)

    @extend_schema(
        summary="End a ketenmachtiging",
        description="Verwijder bedrijf: at once, or on `einddatum` (after today, within its "
        "term; it stays active until then). Irreversible; the relatie is not told. A pending "
        "request is withdrawn.",
        request=BeeindigingSerializer,
        responses={**_DETAIL, **problem_of(409), **problem_of(422)},
    )
    @action(detail=True, methods=["post"])
    def beeindigen(self, request, *args, **kwargs):
        km = self.get_object()
        context = {**self.get_serializer_context(), "km": km}
        serializer = BeeindigingSerializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        km = services.ketenmachtiging_end(actor=request.user, km=km, **serializer.validated_data)
        return self.detail_response(self.fresh(km))


# --- Relaties: the KvK lookup -------------------------------------------------------------------


class RelatieViewSet(ResourceViewSet):
    """A company at the KvK, as the request wizard looks it up."""

    lookup_field = "kvk"
    lookup_value_regex = "[^/]+"  # people type KvK numbers with dots: "68.75.01.10"
    serializer_class = BedrijfSerializer

    @extend_schema(
        summary="Look a company up at the KvK",
        description="By KvK number (8 digits) or, for a company without one, fiscal number "
        "(RSIN, 9 digits); spaces and dots are ignored. Says whether you have an open "
        "ketenmachtiging for it already. A company no longer registered is a 422.",
        parameters=[
            OpenApiParameter(
                "kvk",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="KvK number (8 digits) or RSIN (9 digits).",
            )
        ],
        responses={200: BedrijfSerializer, **problem_of(422), **problem_of(503)},
    )
    def retrieve(self, request, *args, **kwargs):
        try:
            # The wizard's lookup: a company no longer registered is refused (a 422).
            bedrijf = lookup_active(self.kwargs["kvk"])
        except KvkInvalidInput as exc:
            raise exceptions.ValidationError(
                {"kvk": [exceptions.ErrorDetail(str(exc), exc.code)]}
            ) from exc
        except KvkNotFound as exc:
            raise exceptions.NotFound(str(exc), code=exc.code) from exc
        relatie = services.Relatie.from_bedrijf(bedrijf)
        bestaande = services.open_ketenmachtiging_for(
            intermediair=self.organisatie, relatie=relatie
        )
        context = {**self.get_serializer_context(), "bestaande": bestaande}
        return Response(BedrijfSerializer(bedrijf, context=context).data)


# --- The catalogue -------------------------------------------------------------------------------


class DienstViewSet(ResourceViewSet):
    """The services of the eHerkenning catalogue that a ketenmachtiging can cover."""

    queryset = Dienst.objects.none()
    serializer_class = DienstSerializer
    filter_serializer_class = filters.DienstFilterSerializer

    @extend_schema(
        summary="List the services",
        description="The services in the catalogue, with their service provider and level; "
        "`bruikbaar_via_ketenmachtiging` says whether one can be chosen for a ketenmachtiging.",
        parameters=[filters.DienstFilterSerializer],
    )
    def list(self, request, *args, **kwargs):
        params = self.filter_params()
        queryset = dienst_selectors.diensten_catalogue(
            q=params.get("q", ""), dienstverlener_id=params.get("dienstverlener")
        )
        return self.page_of(queryset, DienstSerializer)


class DienstverlenerViewSet(ResourceViewSet):
    serializer_class = DienstverlenerSerializer

    @extend_schema(
        summary="List the service providers",
        description="Choosing one for a ketenmachtiging covers all its services, also later ones.",
    )
    def list(self, request, *args, **kwargs):
        return self.page_of(dienst_selectors.dienstverleners_catalogue(), DienstverlenerSerializer)


# --- Users and groups ----------------------------------------------------------------------------


class GebruikerViewSet(ResourceViewSet):
    """The organisation's users; their id is what a ketenmachtiging's `gebruikers` link."""

    queryset = Lidmaatschap.objects.none()
    serializer_class = GebruikerSerializer
    filter_serializer_class = filters.ZoekFilterSerializer

    @extend_schema(
        summary="List the users",
        description="The active users of your organisation.",
        parameters=[filters.ZoekFilterSerializer],
    )
    def list(self, request, *args, **kwargs):
        params = self.filter_params()
        queryset = account_selectors.gebruikers_for(
            organisatie=self.organisatie, search=params.get("q", "")
        )
        return self.page_of(queryset, GebruikerSerializer)

    @extend_schema(summary="One user")
    def retrieve(self, request, *args, **kwargs):
        try:
            lid = account_selectors.lidmaatschap_of(organisatie=self.organisatie, pk=self.pk_of())
        except Lidmaatschap.DoesNotExist as exc:
            raise Http404 from exc
        return Response(GebruikerSerializer(lid, context=self.get_serializer_context()).data)


class GroepViewSet(ResourceViewSet):
    """The organisation's groups of users, with the services each may use."""

    queryset = Groep.objects.none()
    serializer_class = GroepSerializer
    filter_serializer_class = filters.ZoekFilterSerializer

    @extend_schema(
        summary="List the groups",
        parameters=[filters.ZoekFilterSerializer],
    )
    def list(self, request, *args, **kwargs):
        params = self.filter_params()
        queryset = groep_selectors.groepen_for(
            organisatie=self.organisatie, search=params.get("q", "")
        ).prefetch_related(
            "dienstverleners",
            Prefetch("diensten", queryset=Dienst.objects.select_related("dienstverlener")),
        )
        return self.page_of(queryset, GroepSerializer)

    @extend_schema(summary="One group", description="With its members.")
    def retrieve(self, request, *args, **kwargs):
        try:
            groep = groep_selectors.groep_of(organisatie=self.organisatie, pk=self.pk_of())
        except Groep.DoesNotExist as exc:
            raise Http404 from exc
        leden = list(groep_selectors.groep_leden(groep))
        context = {**self.get_serializer_context(), "leden": leden}
        return Response(GroepDetailSerializer(groep, context=context).data)

    def get_serializer_class(self):
        return GroepDetailSerializer if self.action == "retrieve" else GroepSerializer


# --- The berichtenbox ----------------------------------------------------------------------------


class BerichtViewSet(ResourceViewSet):
    """The organisation's berichtenbox: notices about its ketenmachtigingen and subscription,
    newest first. Reading one here does not mark it read; `gelezen` does."""

    queryset = Bericht.objects.none()
    serializer_class = BerichtSerializer
    pagination_class = NewestFirst
    filter_serializer_class = filters.BerichtFilterSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not self.is_schema():
            context["ketenmachtiging_type_id"] = ContentType.objects.get_for_model(
                Ketenmachtiging
            ).pk
        return context

    def get_object(self):
        try:
            return bericht_selectors.bericht_of(
                organisatie=self.organisatie,
                pk=self.pk_of(),
                met_ketenmachtigingen=self.request.user.can_use_ketenmachtigingen,
            )
        except Bericht.DoesNotExist as exc:
            raise Http404 from exc

    @extend_schema(summary="List the messages", parameters=[filters.BerichtFilterSerializer])
    def list(self, request, *args, **kwargs):
        params = self.filter_params()
        queryset = bericht_selectors.berichten_for(
            organisatie=self.organisatie,
            soort=params.get("soort", ""),
            met_ketenmachtigingen=request.user.can_use_ketenmachtigingen,
        )
        return self.page_of(queryset, BerichtSerializer)

    @extend_schema(summary="One message")
    def retrieve(self, request, *args, **kwargs):
        return Response(
            BerichtSerializer(self.get_object(), context=self.get_serializer_context()).data
        )

    @extend_schema(
        summary="Mark a message read",
        description="For the whole organisation, as opening it on the portal does.",
        request=None,
        responses={200: BerichtSerializer},
    )
    @action(detail=True, methods=["post"])
    def gelezen(self, request, *args, **kwargs):
        bericht = self.get_object()
        bericht_services.bericht_mark_read(bericht=bericht)
        return Response(BerichtSerializer(bericht, context=self.get_serializer_context()).data)
