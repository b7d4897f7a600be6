"""The texts of the Ketenmachtiging form that come from settings and depend on its language.

The tariff and the postal address go through ``ketenportal.utils.platform`` (the Dutch setting or
its ``_EN`` twin), in the language of the form rather than of the request that renders it.
"""

from django.utils import translation
from django.utils.translation import gettext as _

from ketenportal.utils.platform import postadres, tarief_tekst

#: How the Netherlands is typed in a relatie's address (the KvK writes "Nederland").
_NETHERLANDS = {"nederland", "netherlands", "the netherlands", "nl"}


def tarief_text(stored: str, language: str) -> str:
    """The tariff the beheerder agreed to, in the form's language: the configured text while
    ``stored`` is the current tariff (in either language); an older tariff exactly as stored."""
    with translation.override(language):
        return tarief_tekst(stored)


def postadres_lines(language: str) -> list[str]:
    """The lines of the address signed forms are posted to, in the form's language."""
    with translation.override(language):
        return [line.strip() for line in postadres() if line.strip()]


def land_text(land: str, language: str) -> str:
    """The relatie's country as the form's reader writes it: "Nederland" is "Netherlands" in
    English; another country stays as it was typed."""
    if land.strip().lower() in _NETHERLANDS:
        with translation.override(language):
            return _("Netherlands")
    return land
