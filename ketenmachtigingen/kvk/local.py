"""The local KvK backend: a JSON dataset shipped with the portal, for development and demos.

``ketenmachtigingen/data/kvk_local.json`` holds the demo organisations of ``seed_demo``, the
companies the KvK publishes for its test environment, and fictional clients. Two numbers behave
like the error numbers of the KvK test environment, so the error paths can be tried by hand:

- ``90004973``: the KvK is unavailable (``KvkUnavailable``);
- ``90002903``: the KvK has nothing to deliver for the number (``KvkNotFound``).

The dataset's ``fouten`` section maps those numbers to ``"unavailable"`` or ``"not_found"``.
A record with ``"actief": false`` is a registration the KvK lists as no longer active
(96354429 in the test environment); ``lookup_active`` refuses it as uitgeschreven.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .errors import not_found, unavailable
from .types import NEDERLAND, Bedrijf

DEFAULT_DATASET = Path(__file__).resolve().parent.parent / "data" / "kvk_local.json"

_FOUTEN = ("unavailable", "not_found")


def bedrijf_from_record(record: dict[str, Any]) -> Bedrijf:
    """One dataset record as a ``Bedrijf``; absent keys take the dataclass defaults."""
    return Bedrijf(
        naam=record["naam"],
        kvk_nummer=record.get("kvk_nummer", ""),
        rsin=record.get("rsin", ""),
        straat=record.get("straat", ""),
        huisnummer=record.get("huisnummer", ""),
        postcode=record.get("postcode", ""),
        plaats=record.get("plaats", ""),
        land=record.get("land", NEDERLAND),
        buitenlands=record.get("buitenlands", False),
        actief=record.get("actief", True),
        buitenlands_adres=record.get("buitenlands_adres", ""),
        buitenlands_postcode_plaats=record.get("buitenlands_postcode_plaats", ""),
    )


class _Dataset:
    def __init__(self, path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        self.bedrijven = [bedrijf_from_record(record) for record in data["bedrijven"]]
        self.fouten: dict[str, str] = data.get("fouten", {})
        unknown = set(self.fouten.values()) - set(_FOUTEN)
        if unknown:
            raise ImproperlyConfigured(f"{path}: unknown fouten {sorted(unknown)}")
        self.by_kvk = {b.kvk_nummer: b for b in self.bedrijven if b.kvk_nummer}
        self.by_rsin = {b.rsin: b for b in self.bedrijven if b.rsin}


@lru_cache(maxsize=4)
def _load(path: Path) -> _Dataset:
    # The file ships with the code and never changes while the process runs: read it once.
    return _Dataset(path)


class LocalBackend:
    """Answers lookups from the shipped dataset, without any network."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or DEFAULT_DATASET

    @property
    def bedrijven(self) -> list[Bedrijf]:
        """Every company in the dataset, in file order."""
        return list(_load(self.path).bedrijven)

    def by_kvk_nummer(self, kvk_nummer: str) -> Bedrijf:
        dataset = _load(self.path)
        fout = dataset.fouten.get(kvk_nummer)
        if fout == "unavailable":
            raise unavailable()
        if fout == "not_found":
            raise not_found(kvk_nummer)
        try:
            return dataset.by_kvk[kvk_nummer]
        except KeyError:
            raise not_found(kvk_nummer) from None

    def by_rsin(self, rsin: str) -> Bedrijf:
        try:
            return _load(self.path).by_rsin[rsin]
        except KeyError:
            raise not_found(rsin) from None
