"""A link to another of my organisations: offer to switch instead of a bare 404.

A beheerder of two organisations opens a link (an e-mail, a bookmark, a message) to an object of
the organisation that is not selected. The views say 404, as they must: they look only inside
the selected organisation. This middleware then looks up whose the object is; when it belongs to
another organisation of the person and the view's own access rules (``accounts.mixins``) let
them in there, the 404 page offers "This belongs to <organisation>: switch and open". Everyone
else gets the plain 404, so nothing is told about organisations the person is not a member of.
"""

import copy
from collections.abc import Callable

from django.apps import apps
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

#: URL name -> (model, the field naming the organisation whose object it is).
OWNERS: dict[str, tuple[str, str]] = {
    **{
        f"ketenmachtigingen:{name}": ("ketenmachtigingen.Ketenmachtiging", "intermediair_id")
        for name in (
            "detail",
            "gebruikers",
            "gebruiker_verwijder",
            "groep_verwijder",
            "beeindig",
            "verleng",
            "opnieuw_aanvragen",
            "opnieuw_versturen",
            "mail_opnieuw",
            "formulier",
        )
    },
    **{
        f"ketenmachtigingen:{name}": (
            "ketenmachtigingen.Ketenmachtiging",
            "relatie_organisatie_id",
        )
        for name in ("afgegeven_detail", "afgegeven_beeindig", "te_beoordelen_detail")
    },
    "ketenmachtigingen:import_detail": ("ketenmachtigingen.Import", "organisatie_id"),
    **{
        f"groepen:{name}": ("groepen.Groep", "organisatie_id")
        for name in ("detail", "wijzig", "verwijder", "leden", "diensten", "lid_verwijder")
    },
    "berichtenbox:bericht": ("berichtenbox.Bericht", "organisatie_id"),
    **{
        f"accounts:{name}": ("accounts.Lidmaatschap", "organisatie_id")
        for name in ("gebruiker", "gebruiker_rol", "gebruiker_verwijder")
    },
    "api_keys:intrekken": ("api.ApiKey", "organisatie_id"),
}


def _owner(view_name: str, kwargs: dict) -> int | None:
    model_field = OWNERS.get(view_name)
    if model_field is None or "pk" not in kwargs:
        return None
    model = apps.get_model(model_field[0])
    return model.objects.filter(pk=kwargs["pk"]).values_list(model_field[1], flat=True).first()


def _allowed_there(request: HttpRequest, lidmaatschap, view_class) -> bool:
    """Whether the view's access rules let the person in with ``lidmaatschap`` selected."""
    access_denied = getattr(view_class, "access_denied", None)
    if access_denied is None:
        return False
    there = copy.copy(request)
    there.lidmaatschap = lidmaatschap
    there.organisatie = lidmaatschap.organisatie
    return access_denied(view_class(), there) is None


class SwitchOrganisationOfferMiddleware:
    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not isinstance(exception, Http404) or request.method != "GET":
            return None
        memberships = getattr(request, "lidmaatschappen", None) or []
        match = getattr(request, "resolver_match", None)
        if len(memberships) < 2 or match is None:
            return None
        owner = _owner(match.view_name, match.kwargs)
        current = getattr(request, "organisatie", None)
        if owner is None or (current is not None and owner == current.pk):
            return None
        lidmaatschap = next((m for m in memberships if m.organisatie_id == owner), None)
        view_class = getattr(match.func, "view_class", None)
        if lidmaatschap is None or not _allowed_there(request, lidmaatschap, view_class):
            return None
        return render(
            request,
            "accounts/switch_offer.html",
            {"doel": lidmaatschap.organisatie, "next": request.get_full_path()},
            status=404,
        )
