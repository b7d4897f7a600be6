"""Template context every page needs.

The organisation being managed is ``request.organisatie`` (and ``request.lidmaatschap``,
``request.lidmaatschappen``), set by ``ActiveOrganisatieMiddleware``; templates read it from the
request so that no view's context can shadow it.
"""

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict:
    return {"platform_name": settings.PLATFORM_NAME}
