"""Amounts of money as the reader writes them: "€ 1.250,00" in Dutch, "€1,250.00" in English."""

from decimal import Decimal

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import get_language


def euro(amount: Decimal | int | float) -> str:
    """``amount`` in euros with two decimals and grouped thousands, in the active language
    (Django's formats: the separators come from the language's format module)."""
    number = number_format(Decimal(str(amount)), decimal_pos=2, use_l10n=True, force_grouping=True)
    if (get_language() or settings.LANGUAGE_CODE).startswith("nl"):
        return f"€ {number}"
    return f"€{number}"
