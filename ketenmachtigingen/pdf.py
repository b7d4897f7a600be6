"""The texts of the Ketenmachtiging form that come from settings and depend on its language.

The tariff and the postal address are configured in Dutch (``KETENMACHTIGING_TARIEF``,
``PLATFORM_POSTADRES``); an English value may sit beside each as ``<NAME>_EN``. The form reads
them only through ``localized_setting``, so an English form never shows the Dutch text when an
English one is configured, and falls back to the Dutch one when it is not.
"""

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

#: How the Netherlands is typed in a relatie's address (the KvK writes "Nederland").
_NETHERLANDS = {"nederland", "netherlands", "the netherlands", "nl"}


def localized_setting(name: str, language: str) -> Any:
    """``settings.<name>`` in ``language``: ``<name>_EN`` for English when set, else Dutch."""
    dutch = getattr(settings, name)
    if language.startswith("en"):
        english = getattr(settings, f"{name}_EN", None)
        if english:
            return english
    return dutch


def tarief_text(stored: str, language: str) -> str:
    """The tariff the beheerder agreed to, in the form's language.

    A request stores the Dutch tariff text it was made under; while that is still the configured
    tariff, an English form shows the configured English text instead. An older tariff that was
    agreed to stays exactly as it was stored."""
    if not stored or stored == settings.KETENMACHTIGING_TARIEF:
        return str(localized_setting("KETENMACHTIGING_TARIEF", language))
    return stored


def postadres_lines(language: str) -> list[str]:
    """The lines of the address signed forms are posted to (``|``-separated when a string)."""
    value = localized_setting("PLATFORM_POSTADRES", language)
    if isinstance(value, str):
        value = value.split("|")
    return [line.strip() for line in value if line.strip()]


def land_text(land: str, language: str) -> str:
    """The relatie's country as the form's reader writes it: "Nederland" is "Netherlands" in
    English; another country stays as it was typed."""
    if land.strip().lower() in _NETHERLANDS:
        with translation.override(language):
            return _("Netherlands")
    return land
