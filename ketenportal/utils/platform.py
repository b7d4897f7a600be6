"""The platform's texts that come from settings, in the active language.

The tariff (``KETENMACHTIGING_TARIEF`` / ``_EN``) and the postal address (``PLATFORM_POSTADRES`` /
``_EN``) are shown to people: pages, e-mails and PDFs read them through these functions, so the
English portal never shows the Dutch ones. Render an e-mail or PDF inside
``translation.override(language)`` to get that language's text.
"""

from django.conf import settings
from django.utils import translation


def _english() -> bool:
    return (translation.get_language() or settings.LANGUAGE_CODE).startswith("en")


def tarief_tekst(stored: str = "") -> str:
    """The tariff in the active language.

    ``stored`` is the tariff a ketenmachtiging recorded when it was requested (``km.tarief``):
    when it is the current tariff in either language, it is shown in the active one; an older
    tariff is shown as it was recorded, since that is what was agreed to."""
    current = {settings.KETENMACHTIGING_TARIEF, settings.KETENMACHTIGING_TARIEF_EN}
    if stored and stored not in current:
        return stored
    return settings.KETENMACHTIGING_TARIEF_EN if _english() else settings.KETENMACHTIGING_TARIEF


def postadres() -> list[str]:
    """The lines of the postal address for signed forms, in the active language."""
    return list(settings.PLATFORM_POSTADRES_EN if _english() else settings.PLATFORM_POSTADRES)
