"""The shipped KvK dataset (``KVK_BACKEND=local``) holds every company the KvK publishes for its
test environment, and the README's claim about it holds."""

import json
import re
from pathlib import Path

import pytest

from ketenmachtigingen.kvk import KvkNotFound, KvkUnavailable, LocalBackend
from ketenmachtigingen.kvk.local import DEFAULT_DATASET

ROOT = Path(__file__).resolve().parent.parent.parent

#: The KvK numbers of the KvK test environment (developers.kvk.nl, "Test environment" and the
#: Swagger pages), with the legal form the KvK gives for each.
KVK_TEST_COMPANIES = {
    "69599084": "Eenmanszaak",
    "68727720": "NV",
    "90004760": "NV",
    "68750110": "BV",
    "90001354": "BV",
    "90006577": "BV",
    "69599068": "Stichting",
    "90000102": "Stichting",
    "90006623": "Stichting",
    "69599076": "VoF",
    "90005414": "VoF",
    "55344526": "Coöperatie",
    "96354429": "Coöperatie",
    "90002520": "Kerkgenootschap",
    "90002490": "Onderlinge Waarborg Maatschappij",
    "90000749": "Vereniging van Eigenaars",
    "90001745": "Maatschap",
    "90003942": "Commanditaire Vennootschap",
    "55505201": "Overige Privaatrechtelijke Rechtspersoon",
}
#: The numbers the KvK test environment answers with an error.
KVK_TEST_ERRORS = {"90004973": KvkUnavailable, "90002903": KvkNotFound}
#: Registrations the KvK lists as no longer active.
KVK_TEST_INACTIVE = {"96354429"}


def records() -> dict[str, dict]:
    data = json.loads(DEFAULT_DATASET.read_text(encoding="utf-8"))
    return {r["kvk_nummer"]: r for r in data["bedrijven"] if r.get("kvk_nummer")}


@pytest.mark.parametrize("kvk_nummer", sorted(KVK_TEST_COMPANIES))
def test_every_published_test_company_is_in_the_dataset(kvk_nummer):
    bedrijf = LocalBackend().by_kvk_nummer(kvk_nummer)

    assert bedrijf.kvk_nummer == kvk_nummer
    assert bedrijf.naam
    assert bedrijf.actief is (kvk_nummer not in KVK_TEST_INACTIVE)
    assert records()[kvk_nummer].get("rechtsvorm") == KVK_TEST_COMPANIES[kvk_nummer]


@pytest.mark.parametrize("kvk_nummer,error", sorted(KVK_TEST_ERRORS.items()))
def test_the_error_numbers_fail_as_in_the_test_environment(kvk_nummer, error):
    with pytest.raises(error):
        LocalBackend().by_kvk_nummer(kvk_nummer)


def test_the_numbers_named_in_domain_facts_are_all_there():
    # 90004760, 90000102, 90000749 and 90006623 were missing once.
    for kvk_nummer in ("90004760", "90000102", "90000749", "90006623"):
        assert kvk_nummer in records()


def test_every_rsin_in_the_dataset_passes_the_elfproef():
    from ketenportal.utils.identifiers import elfproef

    data = json.loads(DEFAULT_DATASET.read_text(encoding="utf-8"))
    for record in data["bedrijven"]:
        assert not record.get("rsin") or elfproef(record["rsin"]), record["naam"]


def test_the_readme_claim_about_the_dataset_holds():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    claim = readme[readme.index("The KvK lookup uses a shipped dataset") :]
    claim = " ".join(claim[: claim.index("\n\n")].split())
    numbers = set(re.findall(r"\b\d{8}\b", claim))
    assert numbers, "the README names no KvK numbers any more"
    found = {n for n in numbers if n in records()}
    errors = numbers - found
    # Every number the README names is either a company of the dataset or an error number.
    assert errors <= set(KVK_TEST_ERRORS), errors
    assert "every company the KvK publishes for its test environment" in claim
    assert set(KVK_TEST_COMPANIES) <= set(records())
