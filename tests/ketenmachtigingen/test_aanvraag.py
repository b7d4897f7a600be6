"""Requesting one ketenmachtiging through the views, in both outcomes, with the real e-mail and
PDF; the invitation task run twice sends once."""

import re
import subprocess
from smtplib import SMTPRecipientsRefused
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from accounts.constants import AuditAction, AuditKind, Rol
from accounts.models import AuditEntry
from diensten.scope import Scope, scope_of
from ketenmachtigingen.constants import Bron, Status
from ketenmachtigingen.models import Ketenmachtiging, StatusWijziging
from outbox.delivery import deliver_due
from tests.conftest import verified_client
from tests.factories import (
    DienstFactory,
    GroepFactory,
    KetenmachtigingFactory,
    LidmaatschapFactory,
)

pytestmark = pytest.mark.django_db
WIZARD = reverse("ketenmachtigingen:nieuw")
KVK_DONALD = "68750110"  # in the shipped local KvK dataset (Test BV Donald)


@pytest.fixture
def beheerder(world):
    return world.beheerder.user


@pytest.fixture
def client_(beheerder):
    return verified_client(beheerder)


def fill_wizard(client, *, nummer=KVK_DONALD, scope=None, gebruikers=(), groepen=(), looptijd=5):
    assert client.post(WIZARD, {"stap": "1", "nummer": nummer}).status_code == 302
    assert (
        client.post(WIZARD, {"stap": "2", **(scope or {"scope-algemeen": "on"})}).status_code == 302
    )
    response = client.post(
        WIZARD, {"stap": "3", "gebruikers": list(gebruikers), "groepen": list(groepen)}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert (
        client.post(
            WIZARD, {"stap": "4", "looptijd": looptijd, "referentie": "dossier 42"}
        ).status_code
        == 302
    )


VERSTUUR = {
    "voorletters": "A.B.",
    "tussenvoegsel": "",
    "achternaam": "Pietersen",
    "email": "a.pietersen@accountants.nl",
    "telefoon": "06-12345678",
    "relatie_voorletters": "D.",
    "relatie_tussenvoegsel": "",
    "relatie_achternaam": "Duck",
    "relatie_email": "directie@donald.nl",
    "relatie_telefoon": "020 123 4567",
    "taal": "nl",
    "persoonlijk_bericht": "Graag voor het eind van de maand retour.",
    "akkoord_kosten": "on",
}


def pdf_text(content: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


def test_step_one_looks_up_and_shows_the_company(client_):
    client_.post(WIZARD, {"stap": "1", "nummer": " 6875 0110 "})
    html = client_.get(WIZARD).content.decode()
    assert "Test BV Donald" in html and "68750110" in html and "Kerkstraat 22" in html
    assert "Kies diensten" in html


@pytest.mark.parametrize(
    "nummer,fragment",
    [
        ("1234567", "8 cijfers"),
        ("ABCDEFGH", "cijfers"),
        ("123456789", "elfproef"),
        ("99999999", "Geen bedrijf gevonden"),
        ("", "Vul een KvK-nummer"),
    ],
)
def test_invalid_numbers_get_a_clear_message(client_, nummer, fragment):
    response = client_.post(WIZARD, {"stap": "1", "nummer": nummer})
    assert response.status_code == 400
    assert fragment.lower() in response.content.decode().lower()


def test_fiscal_number_for_a_company_without_kvk(client_):
    client_.post(WIZARD, {"stap": "1", "nummer": "898630204"})
    assert "Fiscale eenheid Bakkerij Van der Meulen" in client_.get(WIZARD).content.decode()


def test_existing_relation_is_pointed_out(world, client_):
    """At step 1, not after the whole wizard (see also test_duplicates.py)."""
    km = KetenmachtigingFactory(intermediair=world.organisatie, relatie_kvk_nummer=KVK_DONALD)
    response = client_.post(WIZARD, {"stap": "1", "nummer": KVK_DONALD})
    assert response.status_code == 400
    html = response.content.decode()
    assert "heeft al een actieve of nog niet afgehandelde ketenmachtiging" in html
    assert km.get_absolute_url() in html


def test_narrowing_the_scope_warns_about_later_requests(client_):
    dienst = DienstFactory()
    client_.post(WIZARD, {"stap": "1", "nummer": KVK_DONALD})
    client_.post(WIZARD, {"stap": "2", "scope-diensten": [dienst.pk]})
    html = client_.get(WIZARD + "?stap=3").content.decode()
    assert "nieuwe aanvraag" in html


def test_users_below_eh3_cannot_be_chosen(world, client_):
    laag = LidmaatschapFactory(organisatie=world.organisatie, user__eh2plus=True)
    bd = LidmaatschapFactory(organisatie=world.organisatie, user__belastingdienst_only=True)
    client_.post(WIZARD, {"stap": "1", "nummer": KVK_DONALD})
    client_.post(WIZARD, {"stap": "2", "scope-algemeen": "on"})
    html = client_.get(WIZARD).content.decode()
    assert "minimaal niveau EH3" in html and "alleen geschikt" in html
    assert f'name="gebruikers" value="{laag.pk}"' not in html
    for lid in (laag, bd, world.other_gebruiker):
        response = client_.post(WIZARD, {"stap": "3", "gebruikers": [lid.pk]})
        assert response.status_code == 400, lid
    response = client_.post(WIZARD, {"stap": "3", "groepen": [world.other_groep.pk]})
    assert response.status_code == 400


def test_request_sends_the_invitation_with_the_pdf(
    world, client_, beheerder, django_capture_on_commit_callbacks
):
    fill_wizard(client_, gebruikers=[world.gebruiker.pk], groepen=[world.groep.pk])
    page = client_.get(reverse("ketenmachtigingen:versturen")).content.decode()
    assert beheerder.email in page  # prefilled from the beheerder (no sender settings yet)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_.post(reverse("ketenmachtigingen:versturen"), VERSTUUR)
    km = Ketenmachtiging.objects.get(relatie_kvk_nummer=KVK_DONALD)
    assert response["Location"] == km.get_absolute_url()
    assert km.status == Status.VERSTUURD and km.bron == Bron.AANGEVRAAGD
    assert km.intermediair == world.organisatie
    assert scope_of(km) == Scope.algemene_bevoegdheid()
    assert list(km.gebruikers.all()) == [world.gebruiker] and list(km.groepen.all()) == [
        world.groep
    ]
    assert km.referentie == "dossier 42" and km.contact_telefoon == "+31612345678"
    assert km.uitnodiging_verzonden_op and km.formulier_pdf

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["directie@donald.nl"]
    assert message.reply_to == ["a.pietersen@accountants.nl"]
    assert message.subject == "Ketenmachtiging voor Test BV Donald"
    assert "Print bijgevoegd" in message.body
    assert message.body.rstrip().rfind("Graag voor het eind") > message.body.find(
        "Print bijgevoegd"
    )
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "Graag voor het eind" in html
    name, content, pdf_type = message.attachments[0]
    assert pdf_type == "application/pdf" and name == f"ketenmachtiging-{km.kenmerk}.pdf"
    text = pdf_text(content)
    assert "Test BV Donald" in text and world.organisatie.naam in text and km.kenmerk in text
    assert str(world.gebruiker.user) not in text  # the intermediair's users are not shown

    # The form can be downloaded again.
    download = client_.get(reverse("ketenmachtigingen:formulier", args=[km.pk]))
    assert download.status_code == 200 and download["Cache-Control"].startswith("no-store")
    assert b"".join(download.streaming_content).startswith(b"%PDF")

    # Delivering again (a redelivered task, the periodic run) sends nothing more.
    assert deliver_due().sent == 0
    assert len(mail.outbox) == 1
    created = AuditEntry.objects.get(kind=AuditKind.KETENMACHTIGING, action=AuditAction.CREATE)
    assert created.changes["gebruikers"]["new"] == [str(world.gebruiker.user)]
    assert StatusWijziging.objects.get(ketenmachtiging=km).naar == Status.VERSTUURD
    # The status history on the ketenmachtiging's page shows the request, by the beheerder.
    history = client_.get(km.get_absolute_url()).content.decode().split('id="historie"')[1]
    assert "Aanvraag verstuurd" in history and str(beheerder) in history

    # A form whose stored file is gone (a restore without MEDIA_ROOT) is rendered again.
    km.formulier_pdf.storage.delete(km.formulier_pdf.name)
    again = client_.get(reverse("ketenmachtigingen:formulier", args=[km.pk]))
    assert again.status_code == 200
    assert km.kenmerk in pdf_text(b"".join(again.streaming_content))


def test_invitation_in_english(client_, django_capture_on_commit_callbacks):
    fill_wizard(client_)
    with django_capture_on_commit_callbacks(execute=True):
        client_.post(reverse("ketenmachtigingen:versturen"), {**VERSTUUR, "taal": "en"})
    message = mail.outbox[0]
    assert message.subject == "Request for a ketenmachtiging for Test BV Donald"
    assert "Print the attached" in message.body
    assert "Attach a copy of the identity document" in pdf_text(message.attachments[0][1])


def test_sending_failure_becomes_status_fout(client_, django_capture_on_commit_callbacks):
    fill_wizard(client_)
    refused = SMTPRecipientsRefused({"directie@donald.nl": (550, b"mailbox unavailable")})
    with mock.patch("ketenmachtigingen.emails.EmailMultiAlternatives.send", side_effect=refused):
        with django_capture_on_commit_callbacks(execute=True):
            client_.post(reverse("ketenmachtigingen:versturen"), VERSTUUR)
    km = Ketenmachtiging.objects.get(relatie_kvk_nummer=KVK_DONALD)
    assert km.status == Status.FOUT
    assert "550 mailbox unavailable" in km.status_reden
    html = client_.get(km.get_absolute_url()).content.decode()
    assert "550 mailbox unavailable" in html
    # Send again: back to aanvraag verstuurd, and this time it goes out.
    with django_capture_on_commit_callbacks(execute=True):
        client_.post(reverse("ketenmachtigingen:opnieuw_versturen", args=[km.pk]))
    km.refresh_from_db()
    assert km.status == Status.VERSTUURD and km.uitnodiging_verzonden_op
    assert [m.to for m in mail.outbox if m.to == ["directie@donald.nl"]] == [["directie@donald.nl"]]


def test_header_injection_in_a_name_sends_no_mail(world, django_capture_on_commit_callbacks):
    from django.db import transaction

    from ketenmachtigingen.notifications import Event, notify

    km = KetenmachtigingFactory(
        intermediair=world.organisatie,
        relatie_naam="Evil\r\nBcc: victim@example.nl",
        relatie_contact_email="directie@relatie.nl",
    )
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify(Event.AANGEVRAAGD, km, key="test")
    km.refresh_from_db()
    assert km.status == Status.FOUT and "victim" not in str([m.to + m.bcc for m in mail.outbox])
    assert not [m for m in mail.outbox if m.to == ["directie@relatie.nl"]]


def test_missing_consent_or_bad_contacts_are_refused(client_):
    fill_wizard(client_)
    bad = {**VERSTUUR, "akkoord_kosten": "", "relatie_email": "geen-adres", "telefoon": "12"}
    response = client_.post(reverse("ketenmachtigingen:versturen"), bad)
    assert response.status_code == 400
    form = response.context["form"]
    assert {"akkoord_kosten", "relatie_email", "telefoon"} <= set(form.errors)
    assert not Ketenmachtiging.objects.filter(relatie_kvk_nummer=KVK_DONALD).exists()


def test_incomplete_concept_cannot_be_sent(client_):
    client_.post(WIZARD, {"stap": "1", "nummer": KVK_DONALD})
    assert client_.get(reverse("ketenmachtigingen:versturen"))["Location"] == WIZARD
    assert client_.post(reverse("ketenmachtigingen:versturen"), VERSTUUR)["Location"] == WIZARD
    assert not Ketenmachtiging.objects.filter(relatie_kvk_nummer=KVK_DONALD).exists()


def test_sender_settings_prefill_the_contact(world, client_):
    client_.post(
        reverse("ketenmachtigingen:afzender"),
        {
            "voorletters": "S.",
            "achternaam": "Afzender",
            "email": "kantoor@alpha.nl",
            "telefoon": "0301234567",
            "herinneringen": "on",
            "herinnering_1_dagen": 10,
            "herinnering_2_dagen": 30,
        },
    )
    fill_wizard(client_)
    html = client_.get(reverse("ketenmachtigingen:versturen")).content.decode()
    assert "kantoor@alpha.nl" in html and "Afzender" in html
    assert AuditEntry.objects.filter(kind=AuditKind.INSTELLING).count() == 1


def test_set_these_details_as_default_saves_in_place(world, client_):
    """ "Stel deze gegevens als standaard in" saves the own contact to the sender settings and
    stays on the step with everything typed kept; nothing is sent (issue 21)."""
    from ketenmachtigingen.models import Afzenderinstellingen

    fill_wizard(client_)
    before = Ketenmachtiging.objects.count()
    client_.cookies["django_language"] = "nl"
    versturen = reverse("ketenmachtigingen:versturen")
    assert "Stel deze gegevens als standaard in" in client_.get(versturen).content.decode()
    typed = {
        "voorletters": "K.",
        "achternaam": "Kantoor",
        "email": "kantoor@alpha.nl",
        "telefoon": "0301234567",
        "relatie_achternaam": "Donald",  # half typed: not judged, kept
        "als_standaard": "1",
    }
    response = client_.post(versturen, typed)
    assert response.status_code == 200
    page = response.content.decode()
    assert "standaard in de afzenderinstellingen" in page and "Donald" in page
    instellingen = Afzenderinstellingen.objects.get(organisatie=world.organisatie)
    assert (instellingen.email, instellingen.achternaam) == ("kantoor@alpha.nl", "Kantoor")
    assert Ketenmachtiging.objects.count() == before
    # A bad own e-mail address is said at its field; nothing saved.
    response = client_.post(versturen, {**typed, "email": "geen adres"})
    assert response.status_code == 400
    assert "Voer een geldig e-mailadres in" in response.content.decode()
    assert (
        Afzenderinstellingen.objects.get(organisatie=world.organisatie).email == "kantoor@alpha.nl"
    )
    # And the next request is prefilled with it.
    assert "kantoor@alpha.nl" in client_.get(versturen).content.decode()


def test_register_as_already_approved(world, client_):
    fill_wizard(client_, gebruikers=[world.gebruiker.pk], looptijd=3)
    confirm = client_.get(reverse("ketenmachtigingen:goedgekeurd")).content.decode()
    assert "LET OP" in confirm.upper()
    choose = client_.get(reverse("ketenmachtigingen:goedgekeurd") + "?bevestigd=1").content.decode()
    assert "Digidentity" in choose and "We-ID" in choose
    response = client_.post(reverse("ketenmachtigingen:goedgekeurd"), {"leverancier": "KPN"})
    km = Ketenmachtiging.objects.get(relatie_kvk_nummer=KVK_DONALD)
    assert response["Location"] == km.get_absolute_url()
    assert km.status == Status.ACTIEF and km.leverancier == "KPN" and km.bron == Bron.GEREGISTREERD
    assert km.einddatum.year == km.startdatum.year + 3
    assert not mail.outbox


def test_register_refuses_an_unknown_supplier(client_):
    fill_wizard(client_)
    response = client_.post(reverse("ketenmachtigingen:goedgekeurd"), {"leverancier": "Evil"})
    assert response.status_code == 400
    assert not Ketenmachtiging.objects.filter(relatie_kvk_nummer=KVK_DONALD).exists()


def test_duplicate_request_is_refused(world, client_):
    fill_wizard(client_)
    KetenmachtigingFactory(intermediair=world.organisatie, relatie_kvk_nummer=KVK_DONALD)
    response = client_.post(reverse("ketenmachtigingen:versturen"), VERSTUUR)
    assert response.status_code == 400
    assert Ketenmachtiging.objects.filter(relatie_kvk_nummer=KVK_DONALD).count() == 1


def test_concepts_are_per_organisation(world, beheerder):
    second = LidmaatschapFactory(user=beheerder, rol=Rol.BEHEERDER).organisatie
    client = verified_client(beheerder)
    client.post(WIZARD, {"stap": "1", "nummer": KVK_DONALD})
    client.post(reverse("accounts:organisatie_switch"), {"organisatie": second.pk})
    assert "Test BV Donald" not in client.get(WIZARD).content.decode()


def test_cancel_clears_the_concept(client_):
    client_.post(WIZARD, {"stap": "1", "nummer": KVK_DONALD})
    client_.post(reverse("ketenmachtigingen:annuleren"))
    assert "Test BV Donald" not in client_.get(WIZARD).content.decode()


def test_picker_search_in_the_wizard_keeps_choices(client_):
    kept = DienstFactory(naam_nl="Omzetbelasting")
    DienstFactory(naam_nl="Verzuim melden")
    client_.post(WIZARD, {"stap": "1", "nummer": KVK_DONALD})
    response = client_.post(
        WIZARD,
        {"stap": "2", "scope-diensten": [kept.pk], "scope-q": "verzuim", "picker_action": "search"},
    )
    html = response.content.decode()
    assert "Verzuim melden" in html and f'name="scope-diensten" value="{kept.pk}"' in html
    assert re.search(r"kp-wizard-step--current", html)


def test_groups_of_the_organisation_are_offered(world, client_):
    GroepFactory(organisatie=world.other_organisatie, naam="Vreemde groep")
    client_.post(WIZARD, {"stap": "1", "nummer": KVK_DONALD})
    client_.post(WIZARD, {"stap": "2", "scope-algemeen": "on"})
    html = client_.get(WIZARD).content.decode()
    assert world.groep.naam in html and "Vreemde groep" not in html


def test_own_organisation_cannot_be_the_relatie(world, beheerder):
    from ketenmachtigingen import services
    from ketenmachtigingen.exceptions import KetenmachtigingError

    own = services.Relatie(
        naam=world.organisatie.naam,
        kvk_nummer=world.organisatie.kvk_nummer,
        rsin="",
        adres="",
        postcode_plaats="",
    )
    with pytest.raises(KetenmachtigingError) as excinfo:
        services.ketenmachtiging_register_approved(
            actor=beheerder,
            intermediair=world.organisatie,
            relatie=own,
            scope=Scope.algemene_bevoegdheid(),
            looptijd_jaren=5,
            leverancier="KPN",
        )
    assert excinfo.value.code == "self"


def test_reminder_settings_are_validated_and_saved(world, client_):
    from ketenmachtigingen.models import Afzenderinstellingen

    url = reverse("ketenmachtigingen:afzender")
    bad = client_.post(url, {"herinnering_1_dagen": 20, "herinnering_2_dagen": 10})
    assert bad.status_code == 200 and "herinnering_2_dagen" in bad.context["form"].errors
    client_.post(url, {"herinnering_1_dagen": 7, "herinnering_2_dagen": 21})
    instellingen = Afzenderinstellingen.objects.get(organisatie=world.organisatie)
    assert (
        instellingen.herinneringen,
        instellingen.herinnering_1_dagen,
        instellingen.herinnering_2_dagen,
    ) == (False, 7, 21)
