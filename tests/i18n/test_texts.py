"""The texts issue 18 found in the wrong language or with Dutch mistakes, one by one."""

import pytest
from django.core.files.base import ContentFile
from django.utils import translation

from accounts.constants import Rol
from ketenmachtigingen.constants import ImportStatus
from ketenmachtigingen.exceptions import KetenmachtigingError
from ketenmachtigingen.models import Import
from ketenmachtigingen.selectors import overzicht_filter_choices
from ketenmachtigingen.services import bulk
from ketenmachtigingen.services.core import _check_linkable
from ketenportal.utils.platform import postadres, tarief_tekst
from ketenportal.utils.text import met_punt, zin
from tests.factories import DienstverlenerFactory, LidmaatschapFactory, UserFactory
from tests.ketenmachtigingen.test_import_cleanup import workbook

pytestmark = pytest.mark.django_db


def test_the_tariff_and_the_postal_address_follow_the_active_language(settings):
    settings.KETENMACHTIGING_TARIEF = "€ 30,00 per jaar"
    settings.KETENMACHTIGING_TARIEF_EN = "€30.00 per year"
    settings.PLATFORM_POSTADRES = ["Ketenportal", "t.a.v. Verwerking"]
    settings.PLATFORM_POSTADRES_EN = ["Ketenportal", "Attn. Processing"]
    with translation.override("nl"):
        assert tarief_tekst() == "€ 30,00 per jaar"
        assert postadres() == ["Ketenportal", "t.a.v. Verwerking"]
        assert tarief_tekst("€30.00 per year") == "€ 30,00 per jaar"
    with translation.override("en"):
        assert tarief_tekst() == "€30.00 per year"
        assert postadres() == ["Ketenportal", "Attn. Processing"]
        # A ketenmachtiging recorded the Dutch tariff of the day: shown in English.
        assert tarief_tekst("€ 30,00 per jaar") == "€30.00 per year"
        # An older tariff is what was agreed to: shown as recorded.
        assert tarief_tekst("€ 20,00 per jaar") == "€ 20,00 per jaar"


def test_a_name_ending_in_a_full_stop_gets_no_second_one():
    assert zin("U beheert Jansen B.V.. Kies wat u wilt doen.") == (
        "U beheert Jansen B.V. Kies wat u wilt doen."
    )
    assert zin("Jansen B.V. is verwijderd uit Alpha B.V..") == (
        "Jansen B.V. is verwijderd uit Alpha B.V."
    )
    assert zin("Wacht even...") == "Wacht even..."
    assert met_punt("Regel 1: niet goed") == "Regel 1: niet goed."
    assert met_punt("Regel 1: niet goed.") == "Regel 1: niet goed."


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_home_page_of_a_bv_has_one_full_stop(world, language):
    from tests.conftest import verified_client

    user = world.beheerder.user
    user.taal = language
    user.save(update_fields=["taal"])
    page = verified_client(user).get("/").content.decode()
    assert "Accountants Alpha B.V.." not in page
    assert "Accountants Alpha B.V." in page


def test_the_role_names_are_english_in_english():
    with translation.override("en"):
        assert [str(Rol.BEHEERDER.label), str(Rol.GEBRUIKER.label)] == ["Administrator", "User"]
    with translation.override("nl"):
        assert [str(Rol.BEHEERDER.label), str(Rol.GEBRUIKER.label)] == ["Beheerder", "Gebruiker"]


def test_one_person_who_cannot_use_ketenmachtigingen_is_singular_in_dutch(organisatie):
    laag = [
        LidmaatschapFactory(organisatie=organisatie, user=UserFactory(eh2plus=True))
        for _ in range(2)
    ]
    with translation.override("nl"):
        with pytest.raises(KetenmachtigingError) as one:
            _check_linkable(organisatie, laag[:1], [])
        with pytest.raises(KetenmachtigingError) as two:
            _check_linkable(organisatie, laag, [])
    assert "kan geen ketenmachtigingen gebruiken" in str(one.value)
    assert "kunnen geen ketenmachtigingen gebruiken" in str(two.value)


def test_the_service_provider_filter_is_sorted_in_the_active_language(organisatie):
    DienstverlenerFactory(naam_nl="Belastingdienst", naam_en="Tax and Customs Administration")
    DienstverlenerFactory(naam_nl="Kamer van Koophandel", naam_en="Chamber of Commerce")
    DienstverlenerFactory(naam_nl="Gemeente Utrecht", naam_en="")

    def names():
        return [
            d.naam for d in overzicht_filter_choices(organisatie=organisatie)["dienstverleners"]
        ]

    with translation.override("nl"):
        assert names() == ["Belastingdienst", "Gemeente Utrecht", "Kamer van Koophandel"]
    with translation.override("en"):
        assert names() == [
            "Chamber of Commerce",
            "Gemeente Utrecht",
            "Tax and Customs Administration",
        ]


@pytest.mark.parametrize(
    "language,reason",
    [
        ("en", "This is the KvK number of your own organisation; skipped."),
        ("nl", "Dit is het KvK-nummer van uw eigen organisatie; overgeslagen."),
    ],
)
def test_the_import_row_messages_are_in_the_uploaders_language(world, language, reason):
    """The reading task has no request: it writes in the language of who uploaded the file."""
    user = world.beheerder.user
    user.taal = language
    user.save(update_fields=["taal"])
    kvk = world.organisatie.kvk_nummer
    imp = Import(organisatie=world.organisatie, created_by=user, bestandsnaam="relaties.xlsx")
    rows = [[kvk, "D.", "", "Duck", "d@donald.nl", "0612345678", ""]]
    imp.bestand.save("import.xlsx", ContentFile(workbook(rows)), save=False)
    imp.save()
    with translation.override("en" if language == "nl" else "nl"):  # the worker's own
        bulk.import_read(import_id=imp.pk)
    imp.refresh_from_db()
    assert imp.status == ImportStatus.GELEZEN
    assert [p["reden"] for p in imp.problemen] == [reason]


def test_the_catalogue_has_none_of_the_manuals_slips():
    """The manuals are the source of the Dutch wording, but not of these slips."""
    import re

    from tests.i18n.catalogue import CATALOGUE, _entries

    slips = {
        "mis gegaan": re.compile(r"\bmis gegaan\b", re.I),  # "misgegaan"
        "a slash between words": re.compile(r"\w/ \w|\w /\w"),  # "toegevoegd/ verzonden"
        "Customerservice": re.compile(r"Customer ?service", re.I),  # "Klantenservice"
        "OTP-device": re.compile(r"OTP[- ]device", re.I),  # "authenticator-app"
        "a doubled full stop": re.compile(r"(?<!\.)\.\.(?!\.)"),
    }
    found = []
    for entry in _entries(CATALOGUE):
        texts = [entry.msgstr, *entry.msgstr_plural.values()]
        for name, slip in slips.items():
            if any(slip.search(t) for t in texts):
                found.append(f"{name}: {entry.msgid!r}")
    assert not found, found
