"""What a KvK lookup returns: one company (``Bedrijf``) as the Handelsregister knows it.

A lookup by KvK number or fiscal number (RSIN) yields the company's name, identifiers and the
address of its hoofdvestiging. Companies registered in the Netherlands but seated abroad have a
foreign address, which the KvK gives as free text lines rather than street, number and postcode;
``buitenlands`` tells the two apart and ``adres_regels`` gives the lines to print either way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

NEDERLAND = "Nederland"


@dataclass(frozen=True)
class Bedrijf:
    """A company found in the Handelsregister (or the local demo dataset)."""

    naam: str
    kvk_nummer: str  # 8 digits, "" for entities without a KvK number (fiscale eenheid, foreign)
    rsin: str  # 9 digits, "" when unknown (an eenmanszaak has none)
    straat: str  # "" for a foreign address
    huisnummer: str  # number plus huisletter/toevoeging: "12a", "3-1"
    postcode: str  # "1234AB" without a space; "" for a foreign address
    plaats: str  # the town; for a foreign address derived from its postcode/town line
    land: str = NEDERLAND
    buitenlands: bool = False
    actief: bool = True
    # Only for a foreign address: the KvK's ``straatHuisnummer`` and ``postcodeWoonplaats``.
    buitenlands_adres: str = ""
    buitenlands_postcode_plaats: str = ""

    @property
    def adres(self) -> str:
        """The street line: "Stationsplein 12" or the foreign street line."""
        if self.buitenlands:
            return self.buitenlands_adres
        return f"{self.straat} {self.huisnummer}".strip()

    @property
    def postcode_plaats(self) -> str:
        """The town line: "3511ED Utrecht" or the foreign postcode and town as the KvK gives it."""
        if self.buitenlands:
            return self.buitenlands_postcode_plaats or self.plaats
        return f"{self.postcode} {self.plaats}".strip()

    @property
    def adres_regels(self) -> tuple[str, ...]:
        """The address as lines to print; a foreign address ends with its country."""
        lines = [self.adres, self.postcode_plaats]
        if self.buitenlands:
            lines.append(self.land)
        return tuple(line for line in lines if line)

    @property
    def identifier(self) -> str:
        """The KvK number, or the RSIN for entities without one."""
        return self.kvk_nummer or self.rsin


def plaats_from_postcode_woonplaats(line: str) -> str:
    """The town from a foreign "postcodeWoonplaats" line ("40212 Düsseldorf", "London SW1A 1AA").

    Foreign postcodes have no common shape, but they all contain a digit and town names do not,
    so dropping the words with digits leaves the town; when that leaves nothing, keep the line.
    """
    words = [word for word in line.split() if not re.search(r"\d", word)]
    return " ".join(words) or line.strip()


class KvkBackend(Protocol):
    """What ``lookup()`` needs from a backend; both raise ``KvkError`` subclasses."""

    def by_kvk_nummer(self, kvk_nummer: str) -> Bedrijf: ...

    def by_rsin(self, rsin: str) -> Bedrijf: ...
