"""Template helpers shared by every app."""

from django import template
from django.http import HttpRequest

register = template.Library()


@register.simple_tag
def query_replace(request: HttpRequest, **kwargs) -> str:
    """The current query string with some parameters replaced (for pagination links)."""
    params = request.GET.copy()
    for key, value in kwargs.items():
        params[key] = value
    return params.urlencode()


@register.filter
def minutes(value) -> int:
    """A timedelta (or seconds) in whole minutes, for texts like "blocked for 30 minutes"."""
    seconds = value.total_seconds() if hasattr(value, "total_seconds") else float(value or 0)
    return int(seconds // 60)


@register.filter
def euro(value) -> str:
    """An amount in euros in the reader's language (``ketenportal.utils.money.euro``)."""
    from ketenportal.utils.money import euro as format_euro

    if value in (None, ""):
        return ""
    return format_euro(value)


@register.filter(is_safe=True)
def zin(value) -> str:
    """A sentence without the full stop doubled after a name that ends in one ("Jansen B.V..");
    see ``ketenportal.utils.text``. Use with ``{% blocktranslate asvar … %}``."""
    from ketenportal.utils.text import zin as single_stop

    return single_stop(value)


@register.filter
def tarief(value) -> str:
    """A ketenmachtiging's recorded tariff in the reader's language
    (``ketenportal.utils.platform.tarief_tekst``)."""
    from ketenportal.utils.platform import tarief_tekst

    return tarief_tekst(value or "")
