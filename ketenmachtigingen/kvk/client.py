"""From what a person typed to a ``Bedrijf``: parse the number, then ask the configured backend.

People type KvK numbers with spaces or dots ("6959 9084", "69.59.90.84"), so those go first.
What is left decides the kind: 8 digits is a KvK number, 9 digits a fiscal number (RSIN), which
must pass the 11-proef. Anything else is refused here with a message that says what is wrong,
so no request is spent on a number that cannot exist.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _

from ketenportal.utils.identifiers import normalise_fiscaal_nummer, normalise_kvk_nummer

from .api import ApiBackend
from .errors import KvkInvalidInput, inactive
from .local import LocalBackend
from .types import Bedrijf, KvkBackend

_SEPARATORS = re.compile(r"[\s.\-]")

BACKENDS: dict[str, type[ApiBackend] | type[LocalBackend]] = {
    "local": LocalBackend,
    "api": ApiBackend,
}


class KvkQuery(NamedTuple):
    kind: Literal["kvk", "rsin"]
    number: str


def parse_input(value: str) -> KvkQuery:
    """The KvK number or RSIN in ``value``; raise ``KvkInvalidInput`` saying what is wrong."""
    digits = _SEPARATORS.sub("", str(value or ""))
    if not digits:
        raise KvkInvalidInput(
            _("Enter a KvK number (8 digits) or a fiscal number (RSIN, 9 digits)."),
            code="kvk_empty",
        )
    if not digits.isdigit():
        raise KvkInvalidInput(
            _(
                "Enter only digits: a KvK number has 8 digits, a fiscal number (RSIN) has 9. "
                "'%(value)s' contains other characters."
            )
            % {"value": str(value).strip()},
            code="kvk_not_digits",
        )
    try:
        if len(digits) == 9:
            return KvkQuery("rsin", normalise_fiscaal_nummer(digits))
        if len(digits) in (7, 8):
            # Seven digits is usually a KvK number missing a digit: the KvK message fits.
            return KvkQuery("kvk", normalise_kvk_nummer(digits))
    except ValidationError as error:
        raise KvkInvalidInput(" ".join(error.messages), code=error.code or "invalid") from None
    if len(digits) == 12:
        raise KvkInvalidInput(
            _(
                "%(value)s looks like a vestigingsnummer (12 digits); enter the KvK number "
                "(8 digits) of the company instead."
            )
            % {"value": digits},
            code="kvk_vestigingsnummer",
        )
    raise KvkInvalidInput(
        _(
            "A KvK number has 8 digits and a fiscal number (RSIN) 9; '%(value)s' has "
            "%(count)s digits."
        )
        % {"value": digits, "count": len(digits)},
        code="kvk_length",
    )


def get_backend() -> KvkBackend:
    """The backend that ``settings.KVK_BACKEND`` names: ``"local"`` or ``"api"``."""
    name = settings.KVK_BACKEND
    try:
        backend_class = BACKENDS[name]
    except (KeyError, TypeError):
        raise ImproperlyConfigured(
            f"KVK_BACKEND must be one of {', '.join(sorted(BACKENDS))}, not {name!r}."
        ) from None
    return backend_class()


def lookup(value: str) -> Bedrijf:
    """The company for a typed KvK number or RSIN; raise a ``KvkError`` subclass otherwise.

    An inactive (ended) registration is returned with ``actief=False``: whether that is
    acceptable is the caller's decision.
    """
    query = parse_input(value)
    backend = get_backend()
    if query.kind == "rsin":
        return backend.by_rsin(query.number)
    return backend.by_kvk_nummer(query.number)


def lookup_active(value: str) -> Bedrijf:
    """As ``lookup``, but a company the KvK lists as no longer active (uitgeschreven) is refused
    with a ``KvkInactive`` error: no ketenmachtiging can be requested from it."""
    bedrijf = lookup(value)
    if not bedrijf.actief:
        raise inactive(bedrijf.naam, bedrijf.identifier)
    return bedrijf
