"""The one-company request matches the manual (Z login 3.1): it asks for the relatie's contact
person (initials, infix, surname, e-mail, phone) and greets that person by name; a company that
is no longer registered is refused, and the import treats numbers as the wizard does."""

import io

import openpyxl
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from ketenmachtigingen import services
from ketenmachtigingen.imports import build_template, read_import_file
from ketenmachtigingen.kvk import KvkError, lookup
from ketenmachtigingen.models import Import, Ketenmachtiging
from tests.conftest import verified_client
from tests.ketenmachtigingen.test_aanvraag import KVK_DONALD, VERSTUUR, fill_wizard, pdf_text

pytestmark = pytest.mark.django_db
WIZARD = reverse("ketenmachtigingen:nieuw")
VERSTUREN = reverse("ketenmachtigingen:versturen")
IMPORT = reverse("ketenmachtigingen:import")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: In the KvK test environment: a coöperatie that is no longer active.
KVK_INACTIEF = "96354429"

RELATIE = {
    "relatie_voorletters": "J.",
    "relatie_tussenvoegsel": "de",
    "relatie_achternaam": "Vries",
    "relatie_email": "j.devries@donald.nl",
    "relatie_telefoon": "020 123 4567",
}


@pytest.fixture
def client_(world):
    return verified_client(world.beheerder.user)


def test_the_form_asks_for_the_relaties_contact_person_as_the_manual_does(client_):
    fill_wizard(client_)
    page = client_.get(VERSTUREN).content.decode()

    for name in (
        "relatie_voorletters",
        "relatie_tussenvoegsel",
        "relatie_achternaam",
        "relatie_email",
        "relatie_telefoon",
    ):
        assert f'name="{name}"' in page, name
    assert "Gegevens contactpersoon bij Test BV Donald" in page


def test_initials_surname_and_phone_of_the_relatie_are_required(client_):
    fill_wizard(client_)
    data = {**VERSTUUR, **RELATIE, "relatie_voorletters": "", "relatie_achternaam": ""}
    data["relatie_telefoon"] = ""

    response = client_.post(VERSTUREN, data)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"relatie_voorletters", "relatie_achternaam", "relatie_telefoon"} <= set(errors)
    assert "relatie_tussenvoegsel" not in errors
    assert not Ketenmachtiging.objects.filter(relatie_kvk_nummer=KVK_DONALD).exists()


def test_the_contact_is_stored_and_greeted_by_name_in_the_email_and_the_pdf(
    client_, django_capture_on_commit_callbacks
):
    fill_wizard(client_)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_.post(VERSTUREN, {**VERSTUUR, **RELATIE})

    km = Ketenmachtiging.objects.get(relatie_kvk_nummer=KVK_DONALD)
    assert response["Location"] == km.get_absolute_url()
    assert (
        km.relatie_contact_voorletters,
        km.relatie_contact_tussenvoegsel,
        km.relatie_contact_achternaam,
        km.relatie_contact_email,
        km.relatie_contact_telefoon,
    ) == ("J.", "de", "Vries", "j.devries@donald.nl", "+31201234567")
    assert km.relatie_contact_naam == "J. de Vries"

    message = mail.outbox[0]
    assert message.to == ["j.devries@donald.nl"]
    assert message.body.startswith("Beste J. de Vries,")
    assert "Beste J. de Vries," in message.alternatives[0][0]
    with translation.override(km.taal):
        assert services.pdf_context(km)["contact_relatie"]["naam"] == "J. de Vries"
    assert "J. de Vries" in pdf_text(message.attachments[0][1])


def test_a_renewal_prefills_the_contact_of_the_previous_request(world, client_):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import KetenmachtigingFactory

    old = KetenmachtigingFactory(
        intermediair=world.organisatie,
        actief=True,
        startdatum=timezone.localdate() - timedelta(days=1780),
        einddatum=timezone.localdate() + timedelta(days=40),
        relatie_contact_voorletters="P.",
        relatie_contact_tussenvoegsel="van",
        relatie_contact_achternaam="Dam",
        relatie_contact_email="p.vandam@example.nl",
        relatie_contact_telefoon="+31201234567",
    )
    client_.post(reverse("ketenmachtigingen:verleng", args=[old.pk]))
    form = client_.get(VERSTUREN).context["form"]

    assert form.initial["relatie_voorletters"] == "P."
    assert form.initial["relatie_tussenvoegsel"] == "van"
    assert form.initial["relatie_achternaam"] == "Dam"


# --- A company that is no longer registered ------------------------------------------------


def test_an_inactive_company_is_refused_at_step_one(client_):
    response = client_.post(WIZARD, {"stap": "1", "nummer": KVK_INACTIEF})

    assert response.status_code == 400
    page = response.content.decode()
    assert "niet meer ingeschreven" in page and "uitgeschreven" in page
    assert KVK_INACTIEF in page
    assert client_.get(WIZARD).context["step"] == 1


def test_an_inactive_company_is_refused_in_english_too(world, client_):
    world.beheerder.user.taal = "en"
    world.beheerder.user.save(update_fields=["taal"])

    response = client_.post(WIZARD, {"stap": "1", "nummer": KVK_INACTIEF})

    assert response.status_code == 400
    assert "no longer registered" in response.content.decode()


def workbook(rows) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(build_template()))
    ws = wb["Bedrijven"]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, content: bytes):
    return client.post(
        IMPORT, {"bestand": SimpleUploadedFile("relaties.xlsx", content, content_type=XLSX)}
    )


def test_an_inactive_company_is_a_problem_row_in_the_import(
    world, client_, django_capture_on_commit_callbacks
):
    rows = [
        [KVK_DONALD, "D.", "", "Duck", "d@donald.nl", "0612345678", ""],
        [KVK_INACTIEF, "C.", "", "Coop", "c@coop.nl", "0612345679", ""],
    ]
    with django_capture_on_commit_callbacks(execute=True):
        upload(client_, workbook(rows))
    imp = Import.objects.filter(organisatie=world.organisatie).order_by("-pk").first()

    assert [r["relatie"]["kvk_nummer"] for r in imp.regels] == [KVK_DONALD]
    [problem] = imp.problemen
    assert problem["rij"] == 3 and problem["kvk"] == KVK_INACTIEF
    assert "niet meer ingeschreven" in problem["reden"]


# --- Seven digits: the same message as in the wizard ---------------------------------------


def wizard_message(nummer: str) -> str:
    with pytest.raises(KvkError) as info:
        lookup(nummer)
    return str(info.value)


@pytest.mark.parametrize("cell", ["1234567", 1234567, 1234567.0])
def test_seven_digits_in_the_import_get_the_wizards_message(cell):
    with translation.override("nl"):
        result = read_import_file(
            io.BytesIO(workbook([[cell, "J.", "", "Jansen", "j@x.nl", "0612345678", ""]])),
            filename="relaties.xlsx",
        )
        expected = wizard_message("1234567")

    assert result.rows == []
    [problem] = result.problems
    assert "'1234567' heeft er 7" in expected
    assert expected in problem.reden
    assert "niet gevonden" not in problem.reden


def test_seven_digits_are_not_looked_up_with_a_leading_zero(
    world, client_, django_capture_on_commit_callbacks
):
    rows = [[1234567, "J.", "", "Jansen", "j@x.nl", "0612345678", ""]]
    with django_capture_on_commit_callbacks(execute=True):
        upload(client_, workbook(rows))
    imp = Import.objects.filter(organisatie=world.organisatie).order_by("-pk").first()

    [problem] = imp.problemen
    assert "heeft er 7" in problem["reden"]
    assert "01234567" not in problem["reden"]
