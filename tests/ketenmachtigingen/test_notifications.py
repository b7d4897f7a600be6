"""The notification map (ketenmachtigingen/notifications.py), row by row: each event, caused
through the service that causes it, leaves a message in the berichtenbox of exactly the
organisations the map names, and an e-mail to exactly the people it names, each in the reader's
own language. A new event without a row here fails ``test_every_event_has_a_row``."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone, translation

from accounts.constants import Rol
from berichtenbox.models import Bericht
from diensten.scope import Scope
from ketenmachtigingen import services
from ketenmachtigingen.jobs import (
    sweep_geplande_eindes,
    sweep_herinneringen,
    sweep_uitnodigingen_verlopend,
    sweep_verlengingen,
    sweep_verloopt_binnenkort,
    sweep_verlopen,
    sweep_vervallen,
)
from ketenmachtigingen.models import Import
from ketenmachtigingen.notifications import Event, notify_import_klaar
from outbox.delivery import _compose, deliver_due, record_bounce
from outbox.models import Mail
from tests.factories import (
    KetenmachtigingFactory,
    LidmaatschapFactory,
    OrganisatieFactory,
    UserFactory,
)

CONTACT = "directie@relatie.nl"


@dataclass
class Scene:
    intermediair: object
    relatie: object
    staff: object
    beheerder_i: object
    beheerder_r: object

    def km(self, **fields):
        """A ketenmachtiging of the intermediair for the relatie (on the platform), whose
        contact reads English."""
        fields.setdefault("relatie_contact_email", CONTACT)
        return KetenmachtigingFactory(
            intermediair=self.intermediair,
            relatie_organisatie=self.relatie,
            relatie_naam="Bakkerij Zoet B.V.",
            taal="en",
            **fields,
        )


@pytest.fixture
def scene(db):
    intermediair = OrganisatieFactory(naam="Kantoor Klaas B.V.", kvk_nummer="30123456")
    relatie = OrganisatieFactory(naam="Bakkerij Zoet B.V.")
    return Scene(
        intermediair=intermediair,
        relatie=relatie,
        staff=UserFactory(is_staff=True),
        beheerder_i=LidmaatschapFactory(organisatie=intermediair, rol=Rol.BEHEERDER).user,
        beheerder_r=LidmaatschapFactory(
            organisatie=relatie, rol=Rol.BEHEERDER, user__taal="en"
        ).user,
    )


def _past(days: int):
    return timezone.now() - timedelta(days=days)


def aangevraagd(s):
    km = s.km(fout=True)
    services.ketenmachtiging_resend(actor=s.beheerder_i, km=km)


def uitnodiging_opnieuw(s):
    km = s.km(uitnodiging_verzonden_op=timezone.now())
    services.ketenmachtiging_resend(actor=s.beheerder_i, km=km)


def herinnering(s):
    s.km(verstuurd_op=_past(15), uitnodiging_verzonden_op=_past(15))
    sweep_herinneringen(timezone.now())


def uitnodiging_verloopt(s):
    s.km(uitnodiging_geldig_tot=timezone.localdate() + timedelta(days=10))
    sweep_uitnodigingen_verlopend(timezone.localdate())


def ontvangen(s):
    services.backoffice_mark_received(actor=s.staff, km=s.km())


def incompleet(s):
    services.backoffice_mark_incomplete(actor=s.staff, km=s.km(), reden="Handtekening ontbreekt")


def fout(s):
    services.backoffice_mark_error(actor=s.staff, km=s.km(), reden="Verkeerd KvK-nummer")


def correctie(s):
    km = s.km(ontvangen=True)
    services.backoffice_mark_error(actor=s.staff, km=km, reden="Verkeerd KvK-nummer")
    Bericht.objects.all().delete()  # count from the correction
    services.backoffice_correct(actor=s.staff, km=km, reden="Per vergissing op Fout gezet")


def goedgekeurd(s):
    services.backoffice_approve(actor=s.staff, km=s.km(ontvangen=True))


def ingetrokken(s):
    services.ketenmachtiging_end(actor=s.beheerder_i, km=s.km())


def beeindigd(s):
    services.ketenmachtiging_end(actor=s.beheerder_i, km=s.km(actief=True))


def beeindigd_door_relatie(s):
    services.ketenmachtiging_end_granted(actor=s.beheerder_r, km=s.km(actief=True))


def einde_bereikt(s):
    s.km(actief=True, einde_gepland_op=timezone.localdate())
    sweep_geplande_eindes(timezone.localdate() + timedelta(days=1))


def verlopen(s):
    s.km(actief=True, einddatum=timezone.localdate() - timedelta(days=1))
    sweep_verlopen(timezone.localdate())


def vervallen(s):
    s.km(uitnodiging_geldig_tot=timezone.localdate() - timedelta(days=1))
    sweep_vervallen(timezone.localdate())


def verlenging_nodig(s):
    s.km(actief=True, einddatum=timezone.localdate() + timedelta(days=40))
    sweep_verlengingen(timezone.localdate())


def verloopt_binnenkort(s):
    # Told to nobody: only the webhooks listen (tests/api/test_webhooks_emission.py).
    s.km(actief=True, einddatum=timezone.localdate() + timedelta(days=20))
    assert sweep_verloopt_binnenkort(timezone.localdate()) == 1


def afgegeven(s):
    services.ketenmachtiging_grant(
        actor=s.beheerder_r,
        relatie_organisatie=s.relatie,
        intermediair=services.Relatie(
            naam="Kantoor Klaas B.V.", kvk_nummer="30123456", rsin="", adres="", postcode_plaats=""
        ),
        scope=Scope.algemene_bevoegdheid(),
        looptijd_jaren=2,
        akkoord_kosten=True,
    )


def import_klaar(s):
    imp = Import.objects.create(
        organisatie=s.intermediair,
        bestandsnaam="klanten.xlsx",
        resultaat={"aangemaakt": [{}, {}], "overgeslagen": [{}], "mislukt": []},
    )
    notify_import_klaar(imp)


def mail_niet_bezorgd(s):
    km = s.km(verstuurd_op=_past(15), uitnodiging_verzonden_op=_past(15))
    sweep_herinneringen(timezone.now())
    deliver_due()
    Mail.objects.all().delete()  # start counting after the reminder
    Bericht.objects.all().delete()
    reminder = Mail.objects.create(  # the sent reminder, as the outbox left it
        soort="ketenmachtigingen.herinnering",
        ontvanger=CONTACT,
        taal="en",
        params={"km": km.pk},
        status="verzonden",
        verzonden_op=timezone.now(),
    )
    record_bounce(message_id=reminder.message_id, detail="5.1.1 user unknown")


def afgewezen(s):
    services.ketenmachtiging_decline(
        actor=None, km=s.km(), reden="Wij werken niet meer samen", kanaal="digitaal"
    )


INT, REL = "intermediair", "relatie"

#: event: (cause, berichtenbox of, e-mail kind to the relatie's contact)
ROWS = {
    # The relatie is on the platform (the scene): its beheerders are told, to answer there.
    Event.AANGEVRAAGD: (aangevraagd, {REL}, "uitnodiging"),
    Event.UITNODIGING_OPNIEUW: (uitnodiging_opnieuw, set(), "uitnodiging_opnieuw"),
    Event.HERINNERING: (herinnering, set(), "herinnering"),
    Event.UITNODIGING_VERLOOPT: (uitnodiging_verloopt, {INT}, None),
    Event.ONTVANGEN: (ontvangen, {INT}, None),
    Event.INCOMPLEET: (incompleet, {INT}, "incompleet"),
    Event.FOUT: (fout, {INT}, None),
    Event.CORRECTIE: (correctie, {INT}, None),
    Event.GOEDGEKEURD: (goedgekeurd, {INT, REL}, "goedgekeurd"),
    Event.INGETROKKEN: (ingetrokken, set(), None),
    Event.BEEINDIGD: (beeindigd, {REL}, None),
    Event.BEEINDIGD_DOOR_RELATIE: (beeindigd_door_relatie, {INT}, None),
    Event.EINDE_BEREIKT: (einde_bereikt, {INT}, None),
    Event.VERLOPEN: (verlopen, {INT}, None),
    Event.VERVALLEN: (vervallen, {INT}, None),
    Event.VERLENGING_NODIG: (verlenging_nodig, {INT}, None),
    Event.VERLOOPT_BINNENKORT: (verloopt_binnenkort, set(), None),
    Event.AFGEGEVEN: (afgegeven, {INT}, None),
    Event.IMPORT_KLAAR: (import_klaar, {INT}, None),
    Event.MAIL_NIET_BEZORGD: (mail_niet_bezorgd, {INT}, None),
    Event.AFGEWEZEN: (afgewezen, {INT}, None),
}


def test_every_event_has_a_row():
    assert set(ROWS) == set(Event)


@pytest.mark.parametrize("event", list(ROWS), ids=str)
def test_notification_map_row(event, scene):
    cause, told, kind = ROWS[event]
    with transaction.atomic():
        cause(scene)
    orgs = {scene.intermediair.pk: INT, scene.relatie.pk: REL}
    berichten = list(Bericht.objects.all())
    assert {orgs[b.organisatie_id] for b in berichten} == told
    assert len(berichten) == len(told)  # one message per organisation told
    mails = list(Mail.objects.exclude(soort="berichtenbox.wachtend"))
    if kind is None:
        assert not [m for m in mails if m.ontvanger == CONTACT and m.status == "wachtend"]
    else:
        assert [(m.soort, m.ontvanger, m.taal) for m in mails] == [
            (f"ketenmachtigingen.{kind}", CONTACT, "en")
        ]
        # Composed in the contact's language (English here), whatever the sender reads.
        with translation.override("nl"):
            message = _compose(mails[0])
        assert message.to == [CONTACT]
        assert "ketenmachtiging" in message.subject.lower() and " voor " not in message.subject
    for bericht in berichten:
        # Rendered in the reader's language: the same message reads differently in Dutch.
        with translation.override("en"):
            english = (bericht.titel, bericht.inhoud)
        with translation.override("nl"):
            dutch = (bericht.titel, bericht.inhoud)
        assert english[0] and english[1] and dutch[0] and dutch[1]
        assert english != dutch, f"{bericht.sjabloon} has no Dutch text"
        assert "%(" not in english[1] + dutch[1]


def test_the_same_sweep_twice_notifies_once(scene):
    scene.km(actief=True, einddatum=timezone.localdate() + timedelta(days=40))
    for _ in range(2):
        sweep_verlengingen(timezone.localdate())
        sweep_uitnodigingen_verlopend(timezone.localdate())
    assert Bericht.objects.count() == 1


def test_messages_are_mailed_to_beheerders_in_their_language(
    scene, django_capture_on_commit_callbacks
):
    from django.core import mail

    LidmaatschapFactory(organisatie=scene.intermediair, rol=Rol.BEHEERDER, user__taal="en")
    stil = LidmaatschapFactory(organisatie=scene.intermediair, rol=Rol.BEHEERDER).user
    stil.email_berichten = False
    stil.save(update_fields=["email_berichten"])
    LidmaatschapFactory(organisatie=scene.intermediair, rol=Rol.GEBRUIKER)
    with django_capture_on_commit_callbacks(execute=True):
        services.backoffice_mark_received(actor=scene.staff, km=scene.km())
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert len(subjects) == 2 and stil.email not in subjects
    assert subjects[scene.beheerder_i.email].startswith("Er ")  # Dutch
    assert "waiting" in [s for a, s in subjects.items() if a != scene.beheerder_i.email][0]
