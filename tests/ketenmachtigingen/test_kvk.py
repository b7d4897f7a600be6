"""The KvK lookup: input parsing, the local dataset, and the API backend against a real server.

The API tests run a real HTTP server on 127.0.0.1 whose answers each test scripts, so requests,
timeouts, retries and headers are exercised as they are in production.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import override

from accounts.management.commands.seed_demo import CLIENTS, INTERMEDIAIRS
from ketenmachtigingen.kvk import (
    ApiBackend,
    Bedrijf,
    KvkInvalidInput,
    KvkNotFound,
    KvkUnavailable,
    LocalBackend,
    get_backend,
    lookup,
    parse_input,
)
from ketenportal.exceptions import DomainError
from ketenportal.utils.identifiers import elfproef

API_KEY = "test-api-key-not-secret"

# Input parsing


@pytest.mark.parametrize(
    "typed,kind,number",
    [
        ("69599084", "kvk", "69599084"),
        (" 6959 9084 ", "kvk", "69599084"),
        ("69.59.90.84", "kvk", "69599084"),
        ("814276337", "rsin", "814276337"),
        ("8142.76.337", "rsin", "814276337"),
    ],
)
def test_parse_input_accepts_what_people_type(typed, kind, number):
    assert parse_input(typed) == (kind, number)


@pytest.mark.parametrize(
    "typed,message",
    [
        ("1234567", "A KvK number consists of 8 digits; '1234567' has 7."),
        ("6959908A", "Enter only digits"),
        ("KvK 69599084", "Enter only digits"),
        ("814276338", "814276338 is not a valid fiscal number: it fails the 11-check"),
        ("", "Enter a KvK number (8 digits) or a fiscal number (RSIN, 9 digits)."),
        ("12345", "A KvK number has 8 digits and a fiscal number (RSIN) 9; '12345' has 5"),
        ("000012345678", "looks like a vestigingsnummer"),
    ],
)
def test_parse_input_refuses_with_a_clear_message(typed, message):
    with override("en"), pytest.raises(KvkInvalidInput) as caught:
        parse_input(typed)
    assert message in str(caught.value)
    assert isinstance(caught.value, DomainError)


def test_lookup_refuses_bad_input_before_asking_a_backend(settings):
    settings.KVK_BACKEND = "api"
    settings.KVK_API_URL = "http://127.0.0.1:9/api/"  # nothing listens: a request would fail
    with pytest.raises(KvkInvalidInput):
        lookup("1234567")


def test_lookup_by_kvk_nummer_with_spaces(settings):
    settings.KVK_BACKEND = "local"
    bedrijf = lookup(" 6959 9084 ")
    assert bedrijf.kvk_nummer == "69599084"
    assert bedrijf.naam == "Eenmanszaak Test Kraan"


def test_lookup_by_rsin_uses_the_fiscal_number(settings):
    settings.KVK_BACKEND = "local"
    bedrijf = lookup("815 423 718")
    assert bedrijf.naam == "Salarisadministratie Noord B.V."
    assert bedrijf.identifier == "01098765"


def test_get_backend_follows_the_setting(settings):
    settings.KVK_BACKEND = "local"
    assert isinstance(get_backend(), LocalBackend)
    settings.KVK_BACKEND = "api"
    assert isinstance(get_backend(), ApiBackend)
    settings.KVK_BACKEND = "kvk-mock"
    with pytest.raises(ImproperlyConfigured):
        get_backend()


# The Bedrijf value


def test_bedrijf_address_lines():
    dutch = Bedrijf("A B.V.", "30123456", "", "Stationsplein", "12a", "3511ED", "Utrecht")
    assert dutch.adres == "Stationsplein 12a"
    assert dutch.postcode_plaats == "3511ED Utrecht"
    assert dutch.adres_regels == ("Stationsplein 12a", "3511ED Utrecht")
    foreign = Bedrijf(
        "B GmbH",
        "",
        "814276337",
        "",
        "",
        "",
        "Düsseldorf",
        land="Duitsland",
        buitenlands=True,
        buitenlands_adres="Königsallee 27",
        buitenlands_postcode_plaats="40212 Düsseldorf",
    )
    assert foreign.adres == "Königsallee 27"
    assert foreign.postcode_plaats == "40212 Düsseldorf"
    assert foreign.adres_regels == ("Königsallee 27", "40212 Düsseldorf", "Duitsland")
    assert foreign.identifier == "814276337"


# The local backend

local = LocalBackend()


def test_local_known_numbers():
    donald = local.by_kvk_nummer("68750110")
    assert donald.naam == "Test BV Donald"
    assert (donald.straat, donald.huisnummer, donald.postcode, donald.plaats) == (
        "Kerkstraat",
        "22",
        "3511LK",
        "Utrecht",
    )
    assert donald.actief and not donald.buitenlands and donald.land == "Nederland"
    assert local.by_rsin(donald.rsin) == donald


@pytest.mark.parametrize(
    "number", ["69599084", "68750110", "90001354", "68727720", "69599068", "69599076", "55344526"]
)
def test_local_has_the_published_kvk_test_companies(number):
    assert local.by_kvk_nummer(number).kvk_nummer == number


def test_local_unknown_numbers_are_not_found():
    with override("en"), pytest.raises(KvkNotFound) as caught:
        local.by_kvk_nummer("99999999")
    assert str(caught.value) == "No company was found with KvK number 99999999."
    with override("en"), pytest.raises(KvkNotFound) as caught:
        local.by_rsin("002300102")
    assert str(caught.value) == "No organisation was found with fiscal number (RSIN) 002300102."


def test_local_error_numbers_behave_like_the_kvk_test_environment():
    with override("en"), pytest.raises(KvkUnavailable) as caught:
        local.by_kvk_nummer("90004973")
    assert "cannot be reached" in str(caught.value)
    with pytest.raises(KvkNotFound):
        local.by_kvk_nummer("90002903")


def test_local_foreign_address():
    foreign = [b for b in local.bedrijven if b.buitenlands]
    assert len(foreign) >= 2
    gmbh = next(b for b in foreign if b.naam.endswith("GmbH"))
    assert gmbh.land == "Duitsland"
    assert gmbh.straat == gmbh.postcode == ""
    assert gmbh.adres == gmbh.buitenlands_adres != ""
    assert local.by_kvk_nummer(gmbh.kvk_nummer) == gmbh


def test_local_inactive_company_is_returned_as_inactive():
    inactive = [b for b in local.bedrijven if not b.actief]
    # A fictional one and the coöperatie the KvK test environment lists as inactive.
    assert {b.kvk_nummer for b in inactive} == {"46579670", "96354429"}
    for bedrijf in inactive:
        assert local.by_kvk_nummer(bedrijf.kvk_nummer).actief is False


def test_local_entities_without_kvk_nummer_are_found_by_rsin(settings):
    settings.KVK_BACKEND = "local"
    without = [b for b in local.bedrijven if not b.kvk_nummer]
    assert len(without) == 2
    for bedrijf in without:
        assert lookup(bedrijf.rsin) == bedrijf
        assert bedrijf.identifier == bedrijf.rsin


def test_local_dataset_is_consistent():
    bedrijven = local.bedrijven
    assert len(bedrijven) >= 50
    kvk = [b.kvk_nummer for b in bedrijven if b.kvk_nummer]
    rsins = [b.rsin for b in bedrijven if b.rsin]
    assert len(kvk) == len(set(kvk))
    assert len(rsins) == len(set(rsins))
    assert all(re.fullmatch(r"\d{8}", n) for n in kvk)
    assert [r for r in rsins if not elfproef(r)] == []
    for b in bedrijven:
        assert b.identifier, b
        if b.buitenlands:
            assert b.land != "Nederland" and not b.postcode, b
        elif b.postcode or b.straat:
            # The KvK publishes no addresses for most of its test companies: none is invented.
            assert re.fullmatch(r"[1-9]\d{3}[A-Z]{2}", b.postcode), b
    # The two error numbers answer with errors, so no company may hide behind them.
    assert not {"90004973", "90002903"} & set(kvk)


def test_local_has_the_demo_organisations_with_the_seed_names():
    for org in INTERMEDIAIRS:
        bedrijf = local.by_kvk_nummer(org["kvk_nummer"])
        assert bedrijf.naam == org["naam"]
        assert bedrijf.rsin == org["fiscaal_nummer"]
        assert (bedrijf.straat, bedrijf.huisnummer, bedrijf.postcode, bedrijf.plaats) == (
            org["straat"],
            org["huisnummer"],
            org["postcode"],
            org["plaats"],
        )
    for naam, kvk, straat, huisnummer, postcode, plaats in CLIENTS:
        bedrijf = local.by_kvk_nummer(kvk)
        assert (bedrijf.naam, bedrijf.straat, bedrijf.huisnummer) == (naam, straat, huisnummer)
        assert (bedrijf.postcode, bedrijf.plaats) == (postcode, plaats)


# A scriptable stand-in for the KvK API


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # a dict or list is sent as JSON, a str as it is
    delay: float = 0.0


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


@dataclass
class FakeKvk:
    """The state the handler serves from: scripted replies per path and the requests seen.

    Replies for a path are used in order and the last one repeats. A path without a script gets
    the KvK's 404 answer.
    """

    base_url: str = ""
    scripts: dict[str, list[Reply]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, path: str, *replies: Reply) -> None:
        self.scripts["/api/" + path] = list(replies)

    def count(self, path: str) -> int:
        return sum(1 for s in self.seen if s.path == "/api/" + path)

    def next_reply(self, path: str) -> Reply:
        with self.lock:
            replies = self.scripts.get(path)
            if not replies:
                return Reply(404, fout("IPD0005", "Het product is niet leverbaar."))
            return replies.pop(0) if len(replies) > 1 else replies[0]


def fout(code: str, omschrijving: str) -> dict:
    return {"fout": [{"code": code, "omschrijving": omschrijving}]}


def zoeken(*resultaten: dict) -> dict:
    return {
        "pagina": 1,
        "resultatenPerPagina": 10,
        "totaal": len(resultaten),
        "resultaten": list(resultaten),
    }


def make_handler(state: FakeKvk) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            state.seen.append(Seen(url.path, parse_qs(url.query), dict(self.headers.items())))
            reply = state.next_reply(url.path)
            if reply.delay:
                time.sleep(reply.delay)
            if isinstance(reply.body, dict | list):
                payload, kind = json.dumps(reply.body).encode(), "application/json"
            else:
                payload, kind = str(reply.body or "").encode(), "text/html"
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client gave up waiting (the timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture(scope="module")
def kvk_server() -> Iterator[tuple[ThreadingHTTPServer, FakeKvk]]:
    state = FakeKvk()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/api/"
    yield server, state
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def kvk(kvk_server, settings, monkeypatch) -> FakeKvk:
    """A fresh script on the shared server, and the settings pointing at it."""
    _, state = kvk_server
    state.scripts.clear()
    state.seen.clear()
    settings.KVK_API_URL = state.base_url
    settings.KVK_API_KEY = API_KEY
    settings.KVK_TIMEOUT_SECONDS = 2.0
    settings.KVK_RETRIES = 2
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    # The real pause between retries is 0.2 s per attempt; a shorter one keeps the file fast.
    monkeypatch.setattr(ApiBackend, "backoff_seconds", 0.01)
    return state


DONALD_HOOFDVESTIGING = {
    "kvkNummer": "68750110",
    "rsin": "864877341",
    "vestigingsnummer": "000037178598",
    "naam": "Test BV Donald",
    "type": "hoofdvestiging",
    "actief": "Ja",
    "adres": {
        "binnenlandsAdres": {
            "type": "bezoekadres",
            "straatnaam": "Hizzaarderlaan",
            "huisnummer": 3,
            "huisletter": "a",
            "postcode": "1011 AB",
            "plaats": "Lollum",
        }
    },
}


# The API backend


def test_api_dutch_address(kvk):
    kvk.script(
        "v2/zoeken",
        Reply(
            body=zoeken(
                {"kvkNummer": "68750110", "naam": "Test BV Donald", "type": "nevenvestiging"},
                DONALD_HOOFDVESTIGING,
            )
        ),
    )
    bedrijf = ApiBackend().by_kvk_nummer("68750110")
    assert bedrijf == Bedrijf(
        naam="Test BV Donald",
        kvk_nummer="68750110",
        rsin="864877341",
        straat="Hizzaarderlaan",
        huisnummer="3a",
        postcode="1011AB",
        plaats="Lollum",
    )
    assert bedrijf.adres == "Hizzaarderlaan 3a"
    assert kvk.seen[0].query == {"kvkNummer": ["68750110"]}
    # The RSIN and name were complete: no basisprofiel call was needed.
    assert kvk.count("v1/basisprofielen/68750110") == 0


def test_api_sends_the_api_key(kvk):
    kvk.script("v2/zoeken", Reply(body=zoeken(DONALD_HOOFDVESTIGING)))
    ApiBackend().by_kvk_nummer("68750110")
    assert kvk.seen[0].headers.get("apikey") == API_KEY


def test_api_foreign_address(kvk):
    kvk.script(
        "v2/zoeken",
        Reply(
            body=zoeken(
                {
                    "kvkNummer": "70123459",
                    "rsin": "851592410",
                    "naam": "Schmidt Logistik GmbH",
                    "type": "rechtspersoon",
                    "actief": "Nee",
                    "adres": {
                        "buitenlandsAdres": {
                            "straatHuisnummer": "Königsallee 27",
                            "postcodeWoonplaats": "40212 Düsseldorf",
                            "land": "Duitsland",
                        }
                    },
                }
            )
        ),
    )
    bedrijf = ApiBackend().by_kvk_nummer("70123459")
    assert bedrijf.buitenlands is True
    assert bedrijf.land == "Duitsland"
    assert (bedrijf.straat, bedrijf.postcode) == ("", "")
    assert bedrijf.plaats == "Düsseldorf"
    assert bedrijf.adres_regels == ("Königsallee 27", "40212 Düsseldorf", "Duitsland")
    assert bedrijf.actief is False


def test_api_rsin_and_name_from_the_basisprofiel(kvk):
    hoofdvestiging = {k: v for k, v in DONALD_HOOFDVESTIGING.items() if k not in ("rsin", "naam")}
    kvk.script("v2/zoeken", Reply(body=zoeken(hoofdvestiging)))
    kvk.script(
        "v1/basisprofielen/68750110",
        Reply(
            body={
                "kvkNummer": "68750110",
                "naam": "Donald",
                "statutaireNaam": "Test BV Donald",
                "handelsnamen": [{"naam": "Donald Eenden", "volgorde": 0}],
                "_embedded": {"eigenaar": {"rsin": "864877341", "rechtsvorm": "BV"}},
            }
        ),
    )
    bedrijf = ApiBackend().by_kvk_nummer("68750110")
    assert (bedrijf.rsin, bedrijf.naam) == ("864877341", "Test BV Donald")
    assert bedrijf.adres == "Hizzaarderlaan 3a"
    assert kvk.seen[-1].headers.get("apikey") == API_KEY


def test_api_missing_basisprofiel_keeps_the_search_result(kvk, caplog):
    caplog.set_level("INFO", logger="ketenportal.kvk")
    eenmanszaak = {**DONALD_HOOFDVESTIGING, "kvkNummer": "69599084", "naam": "Test EMZ"}
    del eenmanszaak["rsin"]
    kvk.script("v2/zoeken", Reply(body=zoeken(eenmanszaak)))
    # The basisprofiel path is not scripted: the server answers 404 with IPD0005.
    bedrijf = ApiBackend().by_kvk_nummer("69599084")
    assert (bedrijf.naam, bedrijf.rsin) == ("Test EMZ", "")
    assert kvk.count("v1/basisprofielen/69599084") == 1


def test_api_failing_basisprofiel_keeps_the_search_result_and_logs_no_number(kvk, caplog):
    caplog.set_level("INFO", logger="ketenportal.kvk")
    eenmanszaak = {**DONALD_HOOFDVESTIGING, "kvkNummer": "69599084", "naam": "Test EMZ"}
    del eenmanszaak["rsin"]
    kvk.script("v2/zoeken", Reply(body=zoeken(eenmanszaak)))
    kvk.script("v1/basisprofielen/69599084", Reply(500, "<html>Oops</html>"))
    assert ApiBackend().by_kvk_nummer("69599084").naam == "Test EMZ"
    assert kvk.count("v1/basisprofielen/69599084") == 3
    assert "basisprofielen/{nummer}" in caplog.text
    assert "69599084" not in caplog.text


def test_api_lookup_by_rsin(kvk):
    kvk.script("v2/zoeken", Reply(body=zoeken(DONALD_HOOFDVESTIGING)))
    bedrijf = ApiBackend().by_rsin("864877341")
    assert bedrijf.kvk_nummer == "68750110"
    assert kvk.seen[0].query == {"rsin": ["864877341"]}


def test_api_404_fout_is_not_found(kvk):
    kvk.script(
        "v2/zoeken", Reply(404, fout("IPD5200", "Geen resultaten gevonden voor de zoekvraag."))
    )
    with override("en"), pytest.raises(KvkNotFound) as caught:
        ApiBackend().by_kvk_nummer("12345678")
    assert str(caught.value) == "No company was found with KvK number 12345678."
    assert kvk.count("v2/zoeken") == 1  # a 4xx is final


def test_api_empty_resultaten_is_not_found(kvk):
    kvk.script("v2/zoeken", Reply(body=zoeken()))
    with pytest.raises(KvkNotFound):
        ApiBackend().by_kvk_nummer("12345678")


def test_api_401_means_misconfigured(kvk, caplog):
    kvk.script("v2/zoeken", Reply(401, fout("IPD1002", "Ongeldige API-key.")))
    with override("en"), pytest.raises(KvkUnavailable) as caught:
        ApiBackend().by_kvk_nummer("68750110")
    assert "not configured correctly" in str(caught.value)
    assert caught.value.code == "kvk_misconfigured"
    assert kvk.count("v2/zoeken") == 1
    warnings = [
        r for r in caplog.records if r.name == "ketenportal.kvk" and r.levelname == "WARNING"
    ]
    assert warnings and "IPD1002" in warnings[0].getMessage()
    assert API_KEY not in caplog.text
    assert "68750110" not in caplog.text


def test_api_400_is_invalid_input(kvk):
    kvk.script("v2/zoeken", Reply(400, fout("IPD1003", "Ongeldige zoekvraag.")))
    with override("en"), pytest.raises(KvkInvalidInput) as caught:
        ApiBackend().by_kvk_nummer("12345678")
    assert "did not accept 12345678" in str(caught.value)
    assert kvk.count("v2/zoeken") == 1


def test_api_retries_a_failing_kvk(kvk):
    kvk.script(
        "v2/zoeken",
        Reply(500, fout("IPD9999", "Technische fout.")),
        Reply(500, "<html>Internal Server Error</html>"),
        Reply(body=zoeken(DONALD_HOOFDVESTIGING)),
    )
    assert ApiBackend().by_kvk_nummer("68750110").naam == "Test BV Donald"
    assert kvk.count("v2/zoeken") == 3


def test_api_gives_up_after_the_retries(kvk, settings):
    kvk.script("v2/zoeken", Reply(503, fout("IPD9999", "Technische fout.")))
    with override("en"), pytest.raises(KvkUnavailable) as caught:
        ApiBackend().by_kvk_nummer("68750110")
    assert str(caught.value) == "The KvK cannot be reached at the moment; try again later."
    assert kvk.count("v2/zoeken") == settings.KVK_RETRIES + 1


def test_api_slow_kvk_times_out(kvk, settings):
    settings.KVK_TIMEOUT_SECONDS = 0.2
    settings.KVK_RETRIES = 1
    kvk.script("v2/zoeken", Reply(body=zoeken(DONALD_HOOFDVESTIGING), delay=0.6))
    started = time.monotonic()
    with override("en"), pytest.raises(KvkUnavailable) as caught:
        ApiBackend().by_kvk_nummer("68750110")
    assert "cannot be reached" in str(caught.value)
    assert kvk.count("v2/zoeken") == 2
    assert time.monotonic() - started < 1.0  # gave up at the timeout, did not wait for answers


def test_api_unreachable_kvk(settings, monkeypatch):
    settings.KVK_API_URL = "http://127.0.0.1:9/api/"  # the discard port: nothing listens
    settings.KVK_RETRIES = 1
    monkeypatch.setattr(ApiBackend, "backoff_seconds", 0.01)
    with pytest.raises(KvkUnavailable):
        ApiBackend().by_kvk_nummer("68750110")


def test_api_non_json_answer_is_unavailable(kvk):
    kvk.script("v2/zoeken", Reply(200, "<html>Maintenance</html>"))
    with pytest.raises(KvkUnavailable):
        ApiBackend().by_kvk_nummer("68750110")
    assert kvk.count("v2/zoeken") == 1


def test_lookup_end_to_end_through_the_api(kvk, settings):
    settings.KVK_BACKEND = "api"
    kvk.script("v2/zoeken", Reply(body=zoeken(DONALD_HOOFDVESTIGING)))
    bedrijf = lookup("6875 0110")
    assert (bedrijf.naam, bedrijf.postcode_plaats) == ("Test BV Donald", "1011AB Lollum")
    assert kvk.seen[0].query == {"kvkNummer": ["68750110"]}
    assert kvk.seen[0].headers.get("apikey") == API_KEY
    with override("en"), pytest.raises(KvkNotFound) as caught:
        kvk.script("v2/zoeken", Reply(body=zoeken()))
        lookup("002300102")
    assert str(caught.value) == "No organisation was found with fiscal number (RSIN) 002300102."
