"""Template context every page needs.

The organisation being managed is ``request.organisatie`` (and ``request.lidmaatschap``,
``request.lidmaatschappen``), set by ``ActiveOrganisatieMiddleware``; templates read it from the
request so that no view's context can shadow it.
"""

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from berichtenbox.selectors import unread_count
from ketenmachtigingen.selectors import te_beoordelen_count


def portal(request: HttpRequest) -> dict:
    """``platform_name``; ``berichten_ongelezen``: the organisation's unread messages for the
    menu badge; and ``te_beoordelen``: the requests of intermediairs waiting for the
    organisation's answer (Afgegeven > Te beoordelen). Both 0 for anyone who is not a beheerder
    of the organisation being managed.

    The counts are lazy, like Django's ``user``: one COUNT query each on the pages that show
    them, none on fragments (htmx, e-mails) that do not.
    """
    organisatie = getattr(request, "organisatie", None)
    lidmaatschap = getattr(request, "lidmaatschap", None)
    if organisatie is None or lidmaatschap is None or not lidmaatschap.is_beheerder:
        berichten_ongelezen = te_beoordelen = 0
    else:
        berichten_ongelezen = SimpleLazyObject(
            lambda: unread_count(
                organisatie=organisatie,
                met_ketenmachtigingen=request.user.can_use_ketenmachtigingen,
            )
        )
        te_beoordelen = SimpleLazyObject(lambda: te_beoordelen_count(organisatie=organisatie))
    return {
        "platform_name": settings.PLATFORM_NAME,
        "berichten_ongelezen": berichten_ongelezen,
        "te_beoordelen": te_beoordelen,
    }
