"""Golden tests of the Ketenmachtiging form's text (pdftotext) in Dutch and English, for a new
request, a renewal and a bulk renewal (Verleng selectie). Dates are frozen and references fixed,
so the files in ``tests/golden/pdf/`` change only when the form's text does; regenerate them as
``tests/golden_files.py`` says."""

import shutil
import subprocess
from datetime import UTC, datetime

import pytest
import time_machine

from accounts.models import Organisatie
from diensten.scope import Scope, scope_save
from ketenmachtigingen import services
from ketenmachtigingen.models import Ketenmachtiging
from tests.factories import (
    DienstFactory,
    DienstverlenerFactory,
    KetenmachtigingFactory,
    LidmaatschapFactory,
    OrganisatieFactory,
)
from tests.golden_files import assert_golden

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils"),
]

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TARIEF_EN = "€ 25.00 per ketenmachtiging per year, excluding VAT"
POSTADRES_EN = [
    "Ketenportal",
    "attn. Processing ketenmachtigingen",
    "Antwoordnummer 1234",
    "3500 VB Utrecht",
]


@pytest.fixture(autouse=True)
def _frozen(settings):
    settings.PLATFORM_NAME = "Ketenportal"
    settings.PLATFORM_WEBSITE = "https://www.ketenportal.nl"
    settings.PLATFORM_SUPPORT_EMAIL = "support@ketenportal.nl"
    settings.PLATFORM_POSTADRES = [
        "Ketenportal",
        "t.a.v. Verwerking ketenmachtigingen",
        "Antwoordnummer 1234",
        "3500 VB Utrecht",
    ]
    settings.KETENMACHTIGING_TARIEF = "€ 25,00 per ketenmachtiging per jaar, exclusief btw"
    # The English values another part of the portal configures beside the Dutch ones.
    settings.KETENMACHTIGING_TARIEF_EN = TARIEF_EN
    settings.PLATFORM_POSTADRES_EN = POSTADRES_EN
    with time_machine.travel(NOW, tick=False):
        yield


def pdf_text(km: Ketenmachtiging, tmp_path) -> str:
    km = Ketenmachtiging.objects.get(pk=km.pk)
    path = tmp_path / f"{km.kenmerk}.pdf"
    path.write_bytes(services.render_formulier(km))
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return result.stdout.decode("utf-8")


def kantoor():
    found = Organisatie.objects.filter(kvk_nummer="12345678").first()
    return found or OrganisatieFactory(
        naam="Administratiekantoor De Boer B.V.",
        kvk_nummer="12345678",
        straat="Stationsplein",
        huisnummer="1",
        postcode="3511ED",
        plaats="Utrecht",
    )


def scope_with_namesakes(km: Ketenmachtiging) -> None:
    """Two services with the same name at two service providers, and all of a third."""
    belastingdienst = DienstverlenerFactory(
        oin="00000001003214345000", naam_nl="Belastingdienst", naam_en="Tax Administration"
    )
    uwv = DienstverlenerFactory(oin="00000001002259234000", naam_nl="UWV", naam_en="UWV")
    rvo = DienstverlenerFactory(
        oin="00000001003063478000", naam_nl="RVO", naam_en="Netherlands Enterprise Agency"
    )
    a = DienstFactory(
        uuid="11111111-1111-4111-8111-111111111111",
        dienstverlener=belastingdienst,
        naam_nl="Loonaangifte",
        naam_en="Payroll tax return",
    )
    b = DienstFactory(
        uuid="22222222-2222-4222-8222-222222222222",
        dienstverlener=uwv,
        naam_nl="Loonaangifte",
        naam_en="Payroll tax return",
    )
    scope_save(km, Scope.of(diensten=[a.pk, b.pk], dienstverleners=[rvo.pk]))


def new_request(taal: str) -> Ketenmachtiging:
    km = KetenmachtigingFactory(
        kenmerk="KM-NIEU-W001",
        intermediair=kantoor(),
        relatie_naam="Bakkerij Jansen V.O.F.",
        relatie_kvk_nummer="87654321",
        relatie_adres="Dorpsstraat 12",
        relatie_postcode_plaats="1234 AB Ergens",
        relatie_land="Nederland",
        # A request to one company whose contact was given by address only.
        relatie_contact_email="jan@bakkerij.example",
        relatie_contact_telefoon="0612345678",
        contact_voorletters="P.",
        contact_tussenvoegsel="de",
        contact_achternaam="Boer",
        contact_email="petra@deboer.example",
        contact_telefoon="0301234567",
        taal=taal,
        looptijd_jaren=3,
        tarief="€ 25,00 per ketenmachtiging per jaar, exclusief btw",
    )
    scope_with_namesakes(km)
    return km


def renewal(taal: str) -> Ketenmachtiging:
    old = KetenmachtigingFactory(
        kenmerk="KM-OUD0-0001", intermediair=kantoor(), actief=True, relatie_naam="Garage Smit B.V."
    )
    km = KetenmachtigingFactory(
        kenmerk="KM-VERL-0001",
        intermediair=old.intermediair,
        vernieuwing_van=old,
        relatie_naam="Garage Smit B.V.",
        relatie_kvk_nummer="11223344",
        relatie_adres="Industrieweg 4",
        relatie_postcode_plaats="3542 AD Utrecht",
        relatie_contact_voorletters="K.",
        relatie_contact_achternaam="Smit",
        relatie_contact_email="k.smit@garage.example",
        contact_voorletters="P.",
        contact_achternaam="Boer",
        contact_email="petra@deboer.example",
        contact_telefoon="",
        taal=taal,
        algemene_bevoegdheid=True,
        tarief="€ 25,00 per ketenmachtiging per jaar, exclusief btw",
    )
    return km


def bulk_renewal(taal: str) -> Ketenmachtiging:
    organisatie = kantoor()
    beheerder = LidmaatschapFactory(organisatie=organisatie, rol="beheerder")
    old = KetenmachtigingFactory(
        kenmerk="KM-OUD0-0002",
        intermediair=organisatie,
        actief=True,
        startdatum=datetime(2021, 4, 15).date(),
        einddatum=datetime(2026, 4, 15).date(),
        relatie_naam="Kapsalon Mooi B.V.",
        relatie_kvk_nummer="55667788",
        relatie_adres="Markt 3",
        relatie_postcode_plaats="3811 CA Amersfoort",
        relatie_contact_email="info@mooi.example",
        relatie_contact_telefoon="0331234567",
        taal=taal,
    )
    scope_with_namesakes(old)
    (km,) = services.ketenmachtigingen_renew(
        actor=beheerder.user,
        organisatie=organisatie,
        ontvangers={},
        contact=services.Contactpersoon("P.", "de", "Boer", "petra@deboer.example", "0301234567"),
        akkoord_kosten=True,
        alle=True,
    )
    Ketenmachtiging.objects.filter(pk=km.pk).update(kenmerk="KM-BULK-0001")
    return km


CASES = {"nieuw": new_request, "verlenging": renewal, "verleng-selectie": bulk_renewal}


@pytest.mark.parametrize("taal", ["nl", "en"])
@pytest.mark.parametrize("case", list(CASES))
def test_form_text_is_golden(case, taal, tmp_path):
    text = pdf_text(CASES[case](taal), tmp_path)
    assert_golden(f"pdf/{case}-{taal}.txt", text)


def test_the_postal_address_names_the_platform_once(tmp_path):
    text = pdf_text(new_request("nl"), tmp_path)
    address = text[text.index("t.a.v. Verwerking") - 40 : text.index("t.a.v. Verwerking")]
    assert address.count("Ketenportal") == 1


def test_each_service_is_listed_once(tmp_path):
    text = pdf_text(new_request("en"), tmp_path)
    assert text.count("Payroll tax return") == 2  # one per service provider
    assert "Tax Administration" in text and "UWV" in text


def test_english_form_has_english_tariff_and_country(tmp_path):
    text = pdf_text(new_request("en"), tmp_path)
    assert TARIEF_EN in " ".join(text.split())
    assert "exclusief btw" not in text and "Nederland" not in text.replace("Netherlands", "")
    assert "attn. Processing" in text


def test_an_older_agreed_tariff_stays_as_it_was_recorded(tmp_path):
    km = new_request("en")
    km.tarief = "€ 20,00 per ketenmachtiging per jaar, exclusief btw"
    km.save(update_fields=["tarief"])
    text = " ".join(pdf_text(km, tmp_path).split())
    assert "€ 20,00 per ketenmachtiging per jaar" in text


def test_a_renewal_names_what_it_renews(tmp_path):
    text = pdf_text(renewal("en"), tmp_path)
    assert "KM-OUD0-0001" in text


def test_the_relaties_contact_line_is_filled_without_a_name(tmp_path):
    relatie = " ".join(pdf_text(new_request("nl"), tmp_path).split())
    assert "jan@bakkerij.example · 0612345678" in relatie


def test_a_bulk_renewal_names_the_offices_contact(tmp_path):
    bulk = " ".join(pdf_text(bulk_renewal("nl"), tmp_path).split())
    assert "P. de Boer" in bulk and "petra@deboer.example · 0301234567" in bulk
    assert "info@mooi.example · 0331234567" in bulk
