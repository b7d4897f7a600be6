"""Verleng selectie (tab Acties, Z login manual 4.1): nothing is pre-ticked; it asks for the
costs and the office's own contact as the single renewal does; an invalid row brings the page
back with everything as it was typed and the error at that row; the tab can be exported."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.constants import AuditAction, AuditKind
from accounts.models import AuditEntry
from ketenmachtigingen import services
from ketenmachtigingen.exceptions import KetenmachtigingError
from ketenmachtigingen.models import Afzenderinstellingen, Ketenmachtiging
from tests.conftest import verified_client
from tests.factories import KetenmachtigingFactory

pytestmark = pytest.mark.django_db
OVERVIEW = reverse("ketenmachtigingen:van_relaties")
VERLENG = reverse("ketenmachtigingen:verleng_selectie")

CONTACT = {
    "voorletters": "A.",
    "tussenvoegsel": "van",
    "achternaam": "Kantoor",
    "email": "a.vankantoor@alpha.nl",
    "telefoon": "030 123 4567",
    "akkoord_kosten": "on",
}


@pytest.fixture
def client_(world):
    return verified_client(world.beheerder.user)


def due(world, naam, **extra):
    return KetenmachtigingFactory(
        intermediair=world.organisatie,
        actief=True,
        relatie_naam=naam,
        startdatum=timezone.localdate() - timedelta(days=1780),
        einddatum=timezone.localdate() + timedelta(days=45),
        **extra,
    )


def checkbox(html: str, pk: int) -> str:
    return re.search(rf'<input[^>]*id="sel-{pk}"[^>]*>', html).group(0)


def field(html: str, name: str) -> str:
    return re.search(
        rf'<(?:input|select)[^>]*name="{name}"[^>]*>(?:.*?</select>)?', html, re.S
    ).group(0)


def test_nothing_is_ticked_and_costs_and_contact_are_asked(world, client_):
    a = due(world, "Alfa B.V.")
    html = client_.get(OVERVIEW, {"tab": "acties"}).content.decode()

    assert "checked" not in checkbox(html, a.pk)
    for name in ("voorletters", "tussenvoegsel", "achternaam", "email", "telefoon"):
        assert f'name="{name}"' in html, name
    assert 'name="akkoord_kosten"' in html
    assert "Ja, ik ga akkoord met de kosten" in html


def test_the_contact_is_prefilled_from_the_sender_settings(world, client_):
    due(world, "Alfa B.V.")
    Afzenderinstellingen.objects.create(
        organisatie=world.organisatie,
        voorletters="S.",
        achternaam="Afzender",
        email="afzender@alpha.nl",
        telefoon="+31301234567",
    )
    form = client_.get(OVERVIEW, {"tab": "acties"}).context["verleng_form"]

    assert form.initial["email"] == "afzender@alpha.nl"
    assert form.initial["achternaam"] == "Afzender"


def test_the_contact_is_prefilled_from_the_beheerder_without_sender_settings(world, client_):
    due(world, "Alfa B.V.")
    user = world.beheerder.user
    form = client_.get(OVERVIEW, {"tab": "acties"}).context["verleng_form"]

    assert form.initial["email"] == user.email
    assert form.initial["achternaam"] == user.last_name


def test_an_invalid_row_brings_everything_back_as_typed(world, client_):
    a = due(world, "Alfa B.V.", relatie_contact_email="oud@alfa.nl")
    b = due(world, "Bravo B.V.", relatie_contact_email="oud@bravo.nl")
    c = due(world, "Charlie B.V.", relatie_contact_email="oud@charlie.nl")
    data = {
        **CONTACT,
        "selectie": [a.pk, b.pk],
        f"naam-{a.pk}": "Mw. A. Nieuw",
        f"email-{a.pk}": "nieuw@alfa.nl",
        f"taal-{a.pk}": "en",
        f"naam-{b.pk}": "Dhr. B. Fout",
        f"email-{b.pk}": "geen adres",
        f"taal-{b.pk}": "nl",
        f"naam-{c.pk}": 'Niet gekozen maar "getypt" <b>',
        f"email-{c.pk}": "getypt@charlie.nl",
        f"taal-{c.pk}": "en",
    }

    response = client_.post(VERLENG, data)

    assert response.status_code == 400
    assert not Ketenmachtiging.objects.filter(vernieuwing_van__isnull=False).exists()
    html = response.content.decode()
    assert "checked" in checkbox(html, a.pk) and "checked" in checkbox(html, b.pk)
    assert "checked" not in checkbox(html, c.pk)
    assert 'value="Mw. A. Nieuw"' in field(html, f"naam-{a.pk}")
    assert 'value="nieuw@alfa.nl"' in field(html, f"email-{a.pk}")
    assert '<option value="en" selected>' in field(html, f"taal-{a.pk}")
    assert 'value="geen adres"' in field(html, f"email-{b.pk}")
    # Escaped: what was typed cannot end the attribute or open a tag.
    assert 'value="Niet gekozen maar &quot;getypt&quot; &lt;b&gt;"' in field(html, f"naam-{c.pk}")
    assert 'value="getypt@charlie.nl"' in field(html, f"email-{c.pk}")
    assert '<option value="en" selected>' in field(html, f"taal-{c.pk}")
    # The contact and the costs as typed.
    assert 'value="a.vankantoor@alpha.nl"' in field(html, "email")
    assert "checked" in field(html, "akkoord_kosten")
    # The error sits in the row it belongs to, and only there.
    rows = {
        pk: re.search(rf'<tr[^>]*id="rij-{pk}".*?</tr>', html, re.S).group(0)
        for pk in (a.pk, b.pk, c.pk)
    }
    assert "geen adres" in rows[b.pk] and "geen geldig e-mailadres" in rows[b.pk]
    assert 'aria-invalid="true"' in rows[b.pk]
    assert "geen geldig e-mailadres" not in rows[a.pk] + rows[c.pk]


def test_without_agreeing_to_the_costs_nothing_is_renewed(world, client_):
    a = due(world, "Alfa B.V.", relatie_contact_email="oud@alfa.nl")
    data = {
        **CONTACT,
        "akkoord_kosten": "",
        "selectie": [a.pk],
        f"naam-{a.pk}": "Mw. A. Nieuw",
        f"email-{a.pk}": "nieuw@alfa.nl",
        f"taal-{a.pk}": "nl",
    }

    response = client_.post(VERLENG, data)

    assert response.status_code == 400
    assert "akkoord_kosten" in response.context["verleng_form"].errors
    html = response.content.decode()
    assert "checked" in checkbox(html, a.pk)
    assert 'value="Mw. A. Nieuw"' in field(html, f"naam-{a.pk}")
    assert not Ketenmachtiging.objects.filter(vernieuwing_van=a).exists()


def test_nothing_chosen_comes_back_with_a_message(world, client_):
    a = due(world, "Alfa B.V.", relatie_contact_email="oud@alfa.nl")
    response = client_.post(VERLENG, {**CONTACT, f"email-{a.pk}": "typed@alfa.nl"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Kies ten minste één ketenmachtiging" in html
    assert 'value="typed@alfa.nl"' in field(html, f"email-{a.pk}")


def test_a_valid_selection_renews_with_the_given_contact(
    world, client_, django_capture_on_commit_callbacks
):
    Afzenderinstellingen.objects.create(
        organisatie=world.organisatie, email="afzender@alpha.nl", achternaam="Afzender"
    )
    a = due(
        world,
        "Alfa B.V.",
        relatie_contact_voorletters="J.",
        relatie_contact_tussenvoegsel="de",
        relatie_contact_achternaam="Vries",
        relatie_contact_email="j@alfa.nl",
    )
    b = due(world, "Bravo B.V.", relatie_contact_email="oud@bravo.nl")
    data = {
        **CONTACT,
        "selectie": [a.pk, b.pk],
        f"naam-{a.pk}": "J. de Vries",  # unchanged: the parts of the name stay as they were
        f"email-{a.pk}": "j@alfa.nl",
        f"taal-{a.pk}": "nl",
        f"naam-{b.pk}": "Mw. Nieuw",
        f"email-{b.pk}": "nieuw@bravo.nl",
        f"taal-{b.pk}": "en",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client_.post(VERLENG, data)

    assert response.status_code == 302 and response["Location"].endswith("?tab=wachtend")
    ra = Ketenmachtiging.objects.get(vernieuwing_van=a)
    rb = Ketenmachtiging.objects.get(vernieuwing_van=b)
    for renewal in (ra, rb):
        assert (
            renewal.contact_voorletters,
            renewal.contact_tussenvoegsel,
            renewal.contact_achternaam,
            renewal.contact_email,
            renewal.contact_telefoon,
        ) == ("A.", "van", "Kantoor", "a.vankantoor@alpha.nl", "+31301234567")
        assert renewal.akkoord_kosten_op is not None
    assert (
        ra.relatie_contact_voorletters,
        ra.relatie_contact_tussenvoegsel,
        ra.relatie_contact_achternaam,
    ) == ("J.", "de", "Vries")
    assert (rb.relatie_contact_achternaam, rb.relatie_contact_email, rb.taal) == (
        "Mw. Nieuw",
        "nieuw@bravo.nl",
        "en",
    )
    audit = AuditEntry.objects.filter(
        kind=AuditKind.KETENMACHTIGING, action=AuditAction.CREATE, object_id=str(rb.pk)
    ).get()
    assert audit.changes["contact_email"]["new"] == "a.vankantoor@alpha.nl"


def test_the_service_requires_agreeing_to_the_costs(world):
    a = due(world, "Alfa B.V.", relatie_contact_email="oud@alfa.nl")
    with pytest.raises(KetenmachtigingError) as info:
        services.ketenmachtigingen_renew(
            actor=world.beheerder.user,
            organisatie=world.organisatie,
            ontvangers={a.pk: services.Ontvanger("X", "x@x.nl", "nl")},
            contact=services.Contactpersoon("A.", "", "Kantoor", "a@alpha.nl", "+31301234567"),
            akkoord_kosten=False,
        )
    assert info.value.code == "akkoord"
    assert not Ketenmachtiging.objects.filter(vernieuwing_van=a).exists()


def test_the_service_names_the_rows_with_problems(world):
    a = due(world, "Alfa B.V.")
    b = due(world, "Bravo B.V.")
    with pytest.raises(services.RenewalRowsInvalid) as info:
        services.ketenmachtigingen_renew(
            actor=world.beheerder.user,
            organisatie=world.organisatie,
            ontvangers={
                a.pk: services.Ontvanger("A", "a@a.nl", "nl"),
                b.pk: services.Ontvanger("B", "b@", "nl"),
            },
            contact=services.Contactpersoon("A.", "", "Kantoor", "a@alpha.nl", "+31301234567"),
            akkoord_kosten=True,
        )
    assert set(info.value.rows) == {b.pk}


def test_the_acties_tab_can_be_exported(world, client_):
    due(world, "Alfa Verloopt B.V.")
    KetenmachtigingFactory(
        intermediair=world.organisatie, actief=True, relatie_naam="Nog Lang B.V."
    )
    html = client_.get(OVERVIEW, {"tab": "acties"}).content.decode()
    assert 'action="/ketenmachtigingen/van-relaties/export/"' in html
    assert '<input type="hidden" name="tab" value="acties">' in html

    response = client_.get(reverse("ketenmachtigingen:export"), {"tab": "acties", "format": "csv"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    names = {row[1] for row in list(csv.reader(io.StringIO(content), delimiter=";"))[1:]}
    assert names == {"Alfa Verloopt B.V."}


def test_set_these_details_as_default_keeps_the_tab_as_typed(world, client_):
    """ "Stel deze gegevens als standaard in" on the Acties tab: the contact becomes the sender
    settings, the rows come back as typed and chosen, nothing is renewed (issue 21)."""
    a = due(world, "Alfa B.V.", relatie_contact_email="oud@alfa.nl")
    client_.cookies["django_language"] = "nl"
    data = {
        **CONTACT,
        "akkoord_kosten": "",
        "selectie": [a.pk],
        f"naam-{a.pk}": "Mw. A. Nieuw",
        f"email-{a.pk}": "nieuw@alfa.nl",
        f"taal-{a.pk}": "en",
        "als_standaard": "1",
    }
    response = client_.post(VERLENG, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "standaard in de afzenderinstellingen" in html
    assert "checked" in checkbox(html, a.pk)
    assert 'value="Mw. A. Nieuw"' in field(html, f"naam-{a.pk}")
    instellingen = Afzenderinstellingen.objects.get(organisatie=world.organisatie)
    assert instellingen.email == "a.vankantoor@alpha.nl" and instellingen.achternaam == "Kantoor"
    assert not Ketenmachtiging.objects.filter(vernieuwing_van__isnull=False).exists()
    # A bad own address is said at its field and saves nothing.
    response = client_.post(VERLENG, {**data, "email": "geen adres"})
    assert response.status_code == 400
    assert Afzenderinstellingen.objects.get(organisatie=world.organisatie).email == (
        "a.vankantoor@alpha.nl"
    )
