"""Many at once: the spreadsheet import through the views and tasks, and bulk renewal."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from diensten.scope import Scope, scope_of, scope_save
from ketenmachtigingen import services
from ketenmachtigingen.constants import ImportStatus, Status
from ketenmachtigingen.imports import build_template
from ketenmachtigingen.models import Import, Ketenmachtiging
from ketenmachtigingen.tasks import process_import
from tests.conftest import verified_client
from tests.factories import DienstFactory, KetenmachtigingFactory

pytestmark = pytest.mark.django_db
IMPORT = reverse("ketenmachtigingen:import")
WIZARD = reverse("ketenmachtigingen:nieuw")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(rows) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(build_template()))
    ws = wb["Bedrijven"]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


ROWS = [
    ["68750110", "D.", "", "Duck", "Directie@Donald.nl ", "06-12345678", "REF-1"],
    [69599084, "K.", "van", "Kraan", "kraan@example.nl", "+31 6 1111 2222", ""],
    ["99999999", "X.", "", "Onbekend", "x@example.nl", "0612345678", ""],
    ["68727720", "K.", "", "Katrien", "katrien@example.nl", "0612345679", ""],
]


@pytest.fixture
def client_(world):
    return verified_client(world.beheerder.user)


def upload(client, content: bytes, name="relaties.xlsx"):
    return client.post(IMPORT, {"bestand": SimpleUploadedFile(name, content, content_type=XLSX)})


def test_template_downloads(client_):
    response = client_.get(reverse("ketenmachtigingen:import_template"))
    assert response["Content-Disposition"].startswith("attachment")
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert [c.value for c in wb["Bedrijven"][1]][:3] == [
        "KVK-nummer",
        "Voorletter(s)",
        "Tussenvoegsel (optioneel)",
    ]


def test_import_preview_then_send(world, client_, django_capture_on_commit_callbacks):
    KetenmachtigingFactory(intermediair=world.organisatie, relatie_kvk_nummer="68727720")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client_, workbook(ROWS))
    imp = Import.objects.filter(organisatie=world.organisatie).order_by("-pk").first()
    assert response["Location"] == imp.get_absolute_url()
    assert imp.status == ImportStatus.GELEZEN
    page = client_.get(imp.get_absolute_url()).content.decode()
    assert "Import van 2 bedrijven" in page
    assert "Test BV Donald" in page and "Eenmanszaak Test Kraan" in page
    problems = {p["rij"]: p["reden"] for p in imp.problemen}
    assert set(problems) == {4, 5}
    assert "Geen bedrijf gevonden" in problems[4]
    assert "68727720" in problems[5]

    assert client_.post(imp.get_absolute_url())["Location"] == WIZARD
    assert "Import van 2 bedrijven" in client_.get(WIZARD).content.decode()
    dienst = DienstFactory()
    client_.post(WIZARD, {"stap": "2", "scope-diensten": [dienst.pk]})
    client_.post(WIZARD, {"stap": "3", "gebruikers": [world.gebruiker.pk]})
    client_.post(WIZARD, {"stap": "4", "looptijd": 3})
    page = client_.get(reverse("ketenmachtigingen:versturen")).content.decode()
    assert 'name="relatie_email"' not in page
    data = {
        "voorletters": "A.",
        "achternaam": "Beheer",
        "email": "beheer@alpha.nl",
        "telefoon": "0301234567",
        "taal": "nl",
        "akkoord_kosten": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client_.post(reverse("ketenmachtigingen:versturen"), data)
    assert response["Location"] == imp.get_absolute_url()
    imp.refresh_from_db()
    assert imp.status == ImportStatus.KLAAR and len(imp.resultaat["aangemaakt"]) == 2
    donald = Ketenmachtiging.objects.get(relatie_kvk_nummer="68750110")
    assert donald.relatie_contact_email == "directie@donald.nl"
    assert donald.relatie_contact_telefoon == "+31612345678"
    assert donald.referentie == "REF-1" and donald.looptijd_jaren == 3
    assert scope_of(donald) == Scope.of(diensten=[dienst.pk])
    assert list(donald.gebruikers.all()) == [world.gebruiker]
    kraan = Ketenmachtiging.objects.get(relatie_kvk_nummer="69599084")
    assert kraan.relatie_contact_naam == "K. van Kraan"
    invitations = [m.to[0] for m in mail.outbox if m.attachments]
    assert sorted(invitations) == ["directie@donald.nl", "kraan@example.nl"]
    result = client_.get(imp.get_absolute_url()).content.decode()
    assert donald.kenmerk in result and "Geen bedrijf gevonden" in result

    # A task that runs again (redelivery) creates nothing more.
    process_import(imp.pk)
    assert (
        Ketenmachtiging.objects.filter(relatie_kvk_nummer__in=["68750110", "69599084"]).count() == 2
    )


def test_a_hostile_file_fails_the_import_with_a_message(
    world, client_, django_capture_on_commit_callbacks
):
    # Refused at the upload, before anything is stored (see test_import_cleanup.py).
    before = Import.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client_, b"KVK-nummer;Achternaam\n68750110;Duck\n", name="relaties.xlsx")
    assert response.status_code == 400
    assert "Dit is geen Excel-bestand" in response.content.decode()
    assert Import.objects.count() == before
    assert not Ketenmachtiging.objects.filter(relatie_kvk_nummer="68750110").exists()


def test_a_too_large_file_is_refused_at_once(client_):
    from ketenmachtigingen.imports import MAX_IMPORT_BYTES

    response = upload(client_, b"PK" + b"0" * (MAX_IMPORT_BYTES + 10))
    assert response.status_code == 400


def test_busy_import_shows_progress_and_refreshes(world, client_):
    imp = Import.objects.create(
        organisatie=world.organisatie,
        bestandsnaam="x.xlsx",
        status=ImportStatus.VERWERKEN,
        totaal=200,
        verwerkt=50,
    )
    html = client_.get(imp.get_absolute_url()).content.decode()
    assert '<progress class="kp-progress__bar" max="100" value="25"' in html
    assert 'http-equiv="refresh"' in html
    fragment = client_.get(
        imp.get_absolute_url(), {"fragment": "voortgang"}, HTTP_HX_REQUEST="true"
    )
    assert "<html" not in fragment.content.decode()
    imp.status = ImportStatus.KLAAR
    imp.save()
    done = client_.get(imp.get_absolute_url(), {"fragment": "voortgang"}, HTTP_HX_REQUEST="true")
    assert done["HX-Redirect"] == imp.get_absolute_url()


def test_another_organisations_import_is_a_404(world, client_):
    assert client_.get(world.other_imp.get_absolute_url()).status_code == 404
    assert client_.post(world.other_imp.get_absolute_url()).status_code == 404


#: The office's contact and the costs, asked once for all renewals (as for one request).
CONTACT = {
    "voorletters": "A.",
    "achternaam": "Beheer",
    "email": "beheer@alpha.nl",
    "telefoon": "0301234567",
    "akkoord_kosten": "on",
}
KANTOOR = services.Contactpersoon("A.", "", "Beheer", "beheer@alpha.nl", "+31301234567")


def due(world, **extra):
    return KetenmachtigingFactory(
        intermediair=world.organisatie,
        actief=True,
        startdatum=timezone.localdate() - timedelta(days=1780),
        einddatum=timezone.localdate() + timedelta(days=45),
        **extra,
    )


def test_bulk_renewal_of_a_selection(world, client_, django_capture_on_commit_callbacks):
    a = due(world, relatie_contact_email="oud@a.nl", algemene_bevoegdheid=False)
    scope_save(a, Scope.of(diensten=[DienstFactory().pk]))
    a.gebruikers.add(world.gebruiker)
    a.groepen.add(world.groep)
    b = due(world, relatie_contact_email="b@b.nl")
    c = due(world, relatie_contact_email="c@c.nl")
    page = client_.get(
        reverse("ketenmachtigingen:van_relaties"), {"tab": "acties"}
    ).content.decode()
    assert "oud@a.nl" in page and "Verleng selectie" in page
    data = {
        **CONTACT,
        "selectie": [a.pk, b.pk, world.other_km.pk],
        f"naam-{a.pk}": "Mw. Nieuw",
        f"email-{a.pk}": "nieuw@a.nl",
        f"taal-{a.pk}": "en",
        f"naam-{b.pk}": "",
        f"email-{b.pk}": "b@b.nl",
        f"taal-{b.pk}": "nl",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client_.post(reverse("ketenmachtigingen:verleng_selectie"), data)
    assert response["Location"].endswith("?tab=wachtend")
    renewals = Ketenmachtiging.objects.filter(vernieuwing_van__isnull=False)
    assert {r.vernieuwing_van for r in renewals} == {a, b}
    ra = renewals.get(vernieuwing_van=a)
    assert (ra.relatie_contact_email, ra.relatie_contact_achternaam, ra.taal) == (
        "nieuw@a.nl",
        "Mw. Nieuw",
        "en",
    )
    assert scope_of(ra) == scope_of(a)
    assert list(ra.gebruikers.all()) == [world.gebruiker] and list(ra.groepen.all()) == [
        world.groep
    ]
    assert ra.status == Status.VERSTUURD and ra.statuswijzigingen.count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["b@b.nl", "nieuw@a.nl"]
    assert "expires soon" in next(m for m in mail.outbox if m.to == ["nieuw@a.nl"]).body
    acties = client_.get(reverse("ketenmachtigingen:van_relaties"), {"tab": "acties"})
    assert list(acties.context["ketenmachtigingen"]) == [c]
    assert not Ketenmachtiging.objects.filter(vernieuwing_van=world.other_km).exists()


def test_renew_all(world, django_capture_on_commit_callbacks):
    kms = [due(world, relatie_contact_email=f"r{i}@x.nl") for i in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        created = services.ketenmachtigingen_renew(
            actor=world.beheerder.user,
            organisatie=world.organisatie,
            ontvangers={},
            contact=KANTOOR,
            akkoord_kosten=True,
            alle=True,
        )
    assert {k.vernieuwing_van for k in created} == set(kms)


def test_bulk_renewal_refuses_bad_addresses(world, client_):
    a = due(world)
    response = client_.post(
        reverse("ketenmachtigingen:verleng_selectie"),
        {**CONTACT, "selectie": [a.pk], f"email-{a.pk}": "geen adres", f"taal-{a.pk}": "nl"},
    )
    assert response.status_code == 400
    assert "geen adres" in response.content.decode()
    assert not Ketenmachtiging.objects.filter(vernieuwing_van=a).exists()


def test_renewal_term_starts_where_the_old_one_ends(world):
    old = due(world)
    renewal = services.ketenmachtigingen_renew(
        actor=world.beheerder.user,
        organisatie=world.organisatie,
        ontvangers={old.pk: services.Ontvanger("X", "x@x.nl", "nl")},
        contact=KANTOOR,
        akkoord_kosten=True,
    )[0]
    services.backoffice_approve(actor=world.beheerder.user, km=renewal)
    renewal.refresh_from_db()
    assert renewal.startdatum == old.einddatum
    assert renewal.einddatum == old.einddatum.replace(year=old.einddatum.year + old.looptijd_jaren)
