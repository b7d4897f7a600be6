"""Dutch organisation identifiers: KvK-nummer, RSIN/fiscaal nummer, postcode.

``normalise_*`` functions accept what people type or paste (spaces, dots, a lost leading zero) and
return the canonical form or raise ``ValidationError`` with a message in the user's language.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s.\-']")
_POSTCODE = re.compile(r"^([1-9][0-9]{3})\s?([A-Za-z]{2})$")


def _digits(value: object) -> str:
    return _SEPARATORS.sub("", str(value or "")).strip()


def elfproef(number: str) -> bool:
    """The 11-proef of an RSIN: weights 9..2 on the first eight digits, minus the last."""
    if not re.fullmatch(r"\d{9}", number):
        return False
    total = sum(int(d) * w for d, w in zip(number[:8], range(9, 1, -1), strict=True))
    total -= int(number[8])
    return total % 11 == 0 and number != "000000000"


def normalise_kvk_nummer(value: object, *, restore_leading_zero: bool = False) -> str:
    """Return the 8-digit KvK-nummer.

    ``restore_leading_zero`` is for spreadsheet cells: a KvK number stored as a number loses its
    leading zero, so 7 digits are padded back there; typed by a person, 7 digits is a mistake.
    """
    digits = _digits(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = str(int(value))
    if not digits.isdigit():
        raise ValidationError(
            _("A KvK number consists of 8 digits; '%(value)s' contains other characters."),
            code="kvk_invalid",
            params={"value": value},
        )
    if len(digits) > 8:
        raise ValidationError(
            _("A KvK number consists of 8 digits; '%(value)s' has %(count)s."),
            code="kvk_length",
            params={"value": value, "count": len(digits)},
        )
    if len(digits) < 8 and not (restore_leading_zero and len(digits) == 7):
        raise ValidationError(
            _("A KvK number consists of 8 digits; '%(value)s' has %(count)s."),
            code="kvk_length",
            params={"value": value, "count": len(digits)},
        )
    return digits.zfill(8)


def validate_kvk_nummer(value: str) -> None:
    if not re.fullmatch(r"\d{8}", value or ""):
        raise ValidationError(_("A KvK number consists of exactly 8 digits."), code="kvk_invalid")


def normalise_fiscaal_nummer(value: object) -> str:
    digits = _digits(value)
    if not digits.isdigit() or len(digits) != 9:
        raise ValidationError(
            _("A fiscal number (RSIN) consists of 9 digits."), code="rsin_invalid"
        )
    validate_fiscaal_nummer(digits)
    return digits


def validate_fiscaal_nummer(value: str) -> None:
    if not re.fullmatch(r"\d{9}", value or ""):
        raise ValidationError(
            _("A fiscal number (RSIN) consists of 9 digits."), code="rsin_invalid"
        )
    if not elfproef(value):
        raise ValidationError(
            _("%(value)s is not a valid fiscal number: it fails the 11-check (elfproef)."),
            code="rsin_elfproef",
            params={"value": value},
        )


def normalise_postcode(value: object) -> str:
    match = _POSTCODE.match(str(value or "").strip())
    if not match:
        raise ValidationError(_("Enter a Dutch postcode such as 1234 AB."), code="postcode_invalid")
    return f"{match.group(1)}{match.group(2).upper()}"


def validate_postcode(value: str) -> None:
    normalise_postcode(value)
