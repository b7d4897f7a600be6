"""The online path on the pages of other apps: the intermediair's timeline, the back office's
view of an uploaded form. Inclusion tags, so those pages need one line and no import."""

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("includes/km_tijdlijn.html")
def km_tijdlijn(km) -> dict:
    return {"stappen": selectors.tijdlijn(km)}


@register.inclusion_tag("includes/km_ondertekening.html")
def km_ondertekening(km) -> dict:
    return {"km": km, "ondertekening": selectors.ondertekening_of(km)}
