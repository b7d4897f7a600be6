"""The KvK Handelsregister API backend: Zoeken v2, completed from Basisprofiel v1.

A search (``v2/zoeken``) finds the registration by KvK number or RSIN and returns its name,
address and often its RSIN. One KvK number can give several results (the rechtspersoon, the
hoofdvestiging, nevenvestigingen); the hoofdvestiging carries the address people expect, so it
wins. When the search result lacks the RSIN or the name, the basisprofiel (``v1/basisprofielen``)
fills them in; that second call is a completion, so when it fails the search result stands.

The KvK answers errors as ``{"fout": [{"code": "IPD…", "omschrijving": "…"}]}``. Failures that
may pass (timeouts, lost connections, 5xx, 429) are retried a few times with a short pause;
4xx answers are final. Logs name the KvK's error code and the HTTP status, never the API key
and never the number asked for (an eenmanszaak's KvK number points at a person).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from typing import Any

import requests
from django.conf import settings

from .errors import KvkError, misconfigured, not_found, refused, unavailable
from .types import NEDERLAND, Bedrijf, plaats_from_postcode_woonplaats

logger = logging.getLogger("ketenportal.kvk")

#: KvK error codes that mean "nothing to deliver for this number", whatever the HTTP status.
NOT_FOUND_CODES = frozenset({"IPD0004", "IPD0005", "IPD0006", "IPD0007", "IPD5200"})

#: Result types that describe the registration as a whole, best first.
_PREFERRED_TYPES = ("hoofdvestiging", "rechtspersoon")

_RETRY_STATUSES = frozenset({429}) | frozenset(range(500, 600))


class _Retry(Exception):
    """An attempt failed in a way that may pass; ``reason`` says how, for the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ApiBackend:
    """Looks companies up at the KvK; the constructor's arguments default to the settings."""

    #: Pause before retry n is ``backoff_seconds * n``: enough for a hiccup, short for a person.
    backoff_seconds: float = 0.2

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float | None = None,
        retries: int | None = None,
        session: requests.Session | None = None,
    ) -> None:
        base_url = settings.KVK_API_URL if base_url is None else base_url
        self.base_url = base_url.rstrip("/") + "/"
        self.api_key = settings.KVK_API_KEY if api_key is None else api_key
        self.timeout = settings.KVK_TIMEOUT_SECONDS if timeout is None else timeout
        self.retries = max(0, settings.KVK_RETRIES if retries is None else retries)
        self.session = session or requests.Session()

    # Lookups

    def by_kvk_nummer(self, kvk_nummer: str) -> Bedrijf:
        data = self._get("v2/zoeken", {"kvkNummer": kvk_nummer}, number=kvk_nummer)
        return self._complete(self._from_search(data, number=kvk_nummer))

    def by_rsin(self, rsin: str) -> Bedrijf:
        data = self._get("v2/zoeken", {"rsin": rsin}, number=rsin)
        bedrijf = self._from_search(data, number=rsin)
        if not bedrijf.rsin:
            # The search matched on this RSIN, so it is the company's even when not echoed.
            bedrijf = replace(bedrijf, rsin=rsin)
        return self._complete(bedrijf)

    # From the answers to a Bedrijf

    def _from_search(self, data: dict[str, Any], *, number: str) -> Bedrijf:
        resultaten = [r for r in data.get("resultaten") or [] if isinstance(r, dict)]
        if not resultaten:
            raise not_found(number)
        best = min(resultaten, key=_rank)
        # The rechtspersoon result may carry the RSIN while the hoofdvestiging does not.
        rsin = best.get("rsin") or next((r["rsin"] for r in resultaten if r.get("rsin")), "")
        return _bedrijf(
            naam=best.get("naam") or "",
            kvk_nummer=str(best.get("kvkNummer") or ""),
            rsin=str(rsin),
            actief=_actief(best.get("actief")),
            adres=_search_address(best.get("adres")),
        )

    def _complete(self, bedrijf: Bedrijf) -> Bedrijf:
        """Fill a missing RSIN, name or address from the basisprofiel, when there is one.

        An eenmanszaak has no RSIN, so for it this costs one extra call that finds none; the
        search result cannot tell "no RSIN" from "RSIN not given" apart.
        """
        missing_address = not (bedrijf.straat or bedrijf.buitenlands_adres)
        if not bedrijf.kvk_nummer or (bedrijf.rsin and bedrijf.naam and not missing_address):
            return bedrijf
        try:
            profiel = self._get(
                f"v1/basisprofielen/{bedrijf.kvk_nummer}", None, number=bedrijf.kvk_nummer
            )
        except KvkError as error:
            # The search answered already; a missing or failing profile must not lose that.
            logger.info("KvK basisprofiel not used (%s); keeping the search result", error.code)
            return bedrijf
        embedded = profiel.get("_embedded") or {}
        eigenaar = embedded.get("eigenaar") or {}
        changes: dict[str, Any] = {}
        if not bedrijf.rsin and eigenaar.get("rsin"):
            changes["rsin"] = str(eigenaar["rsin"])
        if not bedrijf.naam:
            changes["naam"] = _profile_name(profiel)
        if missing_address:
            hoofdvestiging = embedded.get("hoofdvestiging") or {}
            adressen = hoofdvestiging.get("adressen") or eigenaar.get("adressen") or []
            changes.update(_profile_address(adressen))
        return replace(bedrijf, **changes) if changes else bedrijf

    # HTTP

    def _get(self, path: str, params: dict[str, str] | None, *, number: str) -> dict[str, Any]:
        """GET one KvK resource, retrying what may pass; raise a ``KvkError`` on failure."""
        url = self.base_url + path
        # The number in a path (``v1/basisprofielen/<kvk>``) stays out of the logs.
        path = re.sub(r"\d{8,}", "{nummer}", path)
        headers = {"Accept": "application/json", "User-Agent": "Ketenportal"}
        if self.api_key:
            headers["apikey"] = self.api_key
        attempts = self.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return self._attempt(url, params, headers, path=path, number=number)
            except _Retry as retry:
                if attempt == attempts:
                    logger.warning(
                        "KvK %s failed after %d attempts: %s", path, attempts, retry.reason
                    )
                    raise unavailable() from None
                logger.info("KvK %s attempt %d failed (%s); retrying", path, attempt, retry.reason)
                time.sleep(self.backoff_seconds * attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(
        self,
        url: str,
        params: dict[str, str] | None,
        headers: dict[str, str],
        *,
        path: str,
        number: str,
    ) -> dict[str, Any]:
        try:
            response = self.session.get(url, params=params, headers=headers, timeout=self.timeout)
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ) as error:
            raise _Retry(type(error).__name__) from None
        except requests.RequestException as error:
            # A malformed URL and the like: retrying cannot help, the settings must change.
            logger.error("KvK %s request impossible: %s", path, type(error).__name__)
            raise unavailable() from None

        status = response.status_code
        body = _json(response)
        codes = _fout_codes(body)
        if status in _RETRY_STATUSES:
            raise _Retry(f"HTTP {status} {','.join(codes)}".strip())
        if 200 <= status < 300:
            if not isinstance(body, dict):
                logger.warning("KvK %s answered HTTP %d without a JSON object", path, status)
                raise unavailable()
            if codes & NOT_FOUND_CODES:
                raise not_found(number)
            return body
        if status == 404 or codes & NOT_FOUND_CODES:
            raise not_found(number)
        if status in (401, 403):
            # Our API key is missing, wrong or lacks this product: only an administrator can fix
            # that, and every lookup will fail until then.
            logger.warning(
                "KvK %s refused our access: HTTP %d, code %s",
                path,
                status,
                ",".join(sorted(codes)) or "-",
            )
            raise misconfigured()
        if status == 400:
            logger.info("KvK %s refused the request: code %s", path, ",".join(sorted(codes)) or "-")
            raise refused(number)
        logger.warning(
            "KvK %s answered HTTP %d, code %s", path, status, ",".join(sorted(codes)) or "-"
        )
        raise unavailable()


# Helpers for the KvK's JSON


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:  # requests' JSONDecodeError is a ValueError
        return None


def _fout_codes(body: Any) -> frozenset[str]:
    if not isinstance(body, dict) or not isinstance(body.get("fout"), list):
        return frozenset()
    return frozenset(str(f.get("code")) for f in body["fout"] if isinstance(f, dict))


def _rank(resultaat: dict[str, Any]) -> int:
    kind = str(resultaat.get("type") or "").lower()
    return _PREFERRED_TYPES.index(kind) if kind in _PREFERRED_TYPES else len(_PREFERRED_TYPES)


def _actief(value: Any) -> bool:
    # Zoeken v2 says "Ja"/"Nee"; absent means the search found a current registration.
    if isinstance(value, bool):
        return value
    return str(value or "Ja").strip().lower() != "nee"


def _huisnummer(adres: dict[str, Any]) -> str:
    number = f"{adres.get('huisnummer') or ''}{adres.get('huisletter') or ''}"
    toevoeging = str(adres.get("huisnummerToevoeging") or "").strip()
    return f"{number}-{toevoeging}" if number and toevoeging else number


def _dutch_address(adres: dict[str, Any]) -> dict[str, Any]:
    straat = str(adres.get("straatnaam") or "")
    huisnummer = _huisnummer(adres)
    if not straat and adres.get("postbusnummer"):
        straat, huisnummer = "Postbus", str(adres["postbusnummer"])
    return {
        "straat": straat,
        "huisnummer": huisnummer,
        "postcode": str(adres.get("postcode") or "").replace(" ", "").upper(),
        "plaats": str(adres.get("plaats") or ""),
    }


def _foreign_address(adres: dict[str, Any]) -> dict[str, Any]:
    postcode_plaats = str(adres.get("postcodeWoonplaats") or "")
    return {
        "buitenlands": True,
        "land": str(adres.get("land") or ""),
        "buitenlands_adres": str(adres.get("straatHuisnummer") or ""),
        "buitenlands_postcode_plaats": postcode_plaats,
        "plaats": plaats_from_postcode_woonplaats(postcode_plaats),
    }


def _search_address(adres: Any) -> dict[str, Any]:
    if not isinstance(adres, dict):
        return {}
    if isinstance(adres.get("binnenlandsAdres"), dict):
        return _dutch_address(adres["binnenlandsAdres"])
    if isinstance(adres.get("buitenlandsAdres"), dict):
        return _foreign_address(adres["buitenlandsAdres"])
    return {}


def _profile_address(adressen: list[Any]) -> dict[str, Any]:
    """The bezoekadres (else the first address) of a basisprofiel address list."""
    adressen = [a for a in adressen if isinstance(a, dict)]
    if not adressen:
        return {}
    adres = next((a for a in adressen if a.get("type") == "bezoekadres"), adressen[0])
    land = str(adres.get("land") or NEDERLAND)
    if land != NEDERLAND or adres.get("straatHuisnummer"):
        return _foreign_address({**adres, "land": land})
    return _dutch_address(adres)


def _profile_name(profiel: dict[str, Any]) -> str:
    if profiel.get("statutaireNaam"):
        return str(profiel["statutaireNaam"])
    handelsnamen = [h for h in profiel.get("handelsnamen") or [] if h]
    if handelsnamen:
        first = min(handelsnamen, key=lambda h: h.get("volgorde", 0) if isinstance(h, dict) else 0)
        return str(first.get("naam", "") if isinstance(first, dict) else first)
    return str(profiel.get("naam") or "")


def _bedrijf(*, naam: str, kvk_nummer: str, rsin: str, actief: bool, adres: dict) -> Bedrijf:
    fields: dict[str, Any] = {"straat": "", "huisnummer": "", "postcode": "", "plaats": ""}
    fields.update(adres)
    return Bedrijf(naam=naam, kvk_nummer=kvk_nummer, rsin=rsin, actief=actief, **fields)
