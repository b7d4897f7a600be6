"""Het weekoverzicht (issue 17): opt-in on Mijn profiel, the to-do list per organisation in the
person's language, once per person per ISO week, nothing when there is nothing to do, through the
outbox, from beat and from run_jobs on Monday mornings."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from accounts.constants import AuditKind, Rol
from accounts.models import AuditEntry
from ketenmachtigingen import weekoverzicht
from ketenmachtigingen.weekoverzicht import WEEKOVERZICHT, weekoverzicht_queue
from outbox.delivery import deliver_due
from outbox.models import Mail
from tests.conftest import verified_client
from tests.factories import KetenmachtigingFactory, LidmaatschapFactory, OrganisatieFactory

pytestmark = pytest.mark.django_db
AMSTERDAM = dt.timezone(dt.timedelta(hours=1))
MONDAY = dt.datetime(2027, 3, 8, 7, 30, tzinfo=AMSTERDAM)


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def lezer(organisatie):
    """A beheerder (EH3) who asked for the weekly overview."""
    user = LidmaatschapFactory(
        organisatie=organisatie, rol=Rol.BEHEERDER, user__weekoverzicht=True
    ).user
    return user


def something_to_do(organisatie):
    with at(MONDAY - dt.timedelta(days=3)):
        KetenmachtigingFactory(intermediair=organisatie, fout=True, relatie_naam="Fout B.V.")
        KetenmachtigingFactory(
            intermediair=organisatie,
            actief=True,
            startdatum=dt.date(2022, 4, 1),
            einddatum=dt.date(2027, 4, 1),
        )


def deliver():
    with at(MONDAY + dt.timedelta(minutes=5)):
        deliver_due()
    return [m for m in mail.outbox if m.subject.startswith(("Uw weekoverzicht", "Your weekly"))]


def test_profile_offers_the_opt_in_and_saves_it_with_an_audit_row(beheerder):
    client = verified_client(beheerder)
    page = client.get(reverse("accounts:profiel")).content.decode()
    assert 'name="weekoverzicht"' in page
    response = client.post(
        reverse("accounts:profiel"),
        {"email": beheerder.email, "taal": "nl", "email_berichten": "on", "weekoverzicht": "on"},
    )
    assert response.status_code == 302
    beheerder.refresh_from_db()
    assert beheerder.weekoverzicht is True
    entry = AuditEntry.objects.filter(kind=AuditKind.GEBRUIKER).latest("pk")
    assert entry.changes["weekoverzicht"] == {"old": False, "new": True}


def test_the_default_is_off(beheerder):
    assert beheerder.weekoverzicht is False


def test_one_e_mail_per_week_with_the_to_do_list(lezer, organisatie):
    something_to_do(organisatie)
    with at(MONDAY):
        assert weekoverzicht_queue() == 1
        assert weekoverzicht_queue() == 0  # the same week: nothing more
    row = Mail.objects.get(soort=WEEKOVERZICHT)
    assert row.sleutel == f"weekoverzicht:{lezer.pk}:2027-W10"
    assert row.ontvanger == lezer.email and row.taal == "nl"
    assert row.betreft == lezer
    assert row.params["organisaties"] == [organisatie.pk]
    [message] = deliver()
    assert message.to == [lezer.email]
    assert message.subject == "Uw weekoverzicht: wat er te doen is in Ketenportal"
    assert organisatie.naam in message.body
    assert "1 aanvraag heeft een fout" in message.body
    assert "1 ketenmachtiging moet worden verlengd" in message.body
    overview = settings.SITE_URL + reverse("ketenmachtigingen:van_relaties")
    assert f"{overview}?tab=acties" in message.body
    html = message.alternatives[0][0]
    assert f'href="{overview}?tab=wachtend&amp;status=fout"' in html
    # The next week there is a new one.
    with at(MONDAY + dt.timedelta(days=7)):
        assert weekoverzicht_queue() == 1
    assert Mail.objects.filter(soort=WEEKOVERZICHT).count() == 2


def test_in_the_persons_language(lezer, organisatie):
    lezer.taal = "en"
    lezer.save()
    something_to_do(organisatie)
    with at(MONDAY):
        weekoverzicht_queue()
    [message] = deliver()
    assert message.subject == "Your weekly overview: what needs doing in Ketenportal"
    assert "1 request has an error" in message.body


def test_per_organisation_the_person_manages(lezer, organisatie):
    tweede = OrganisatieFactory(naam="Zeta Administraties B.V.")
    LidmaatschapFactory(organisatie=tweede, user=lezer, rol=Rol.BEHEERDER)
    rustig = OrganisatieFactory(naam="Rustig B.V.")  # nothing to do there
    LidmaatschapFactory(organisatie=rustig, user=lezer, rol=Rol.BEHEERDER)
    alleen_gebruiker = OrganisatieFactory(naam="Gebruiker B.V.")
    LidmaatschapFactory(organisatie=alleen_gebruiker, user=lezer, rol=Rol.GEBRUIKER)
    something_to_do(organisatie)
    something_to_do(tweede)
    something_to_do(alleen_gebruiker)
    with at(MONDAY):
        weekoverzicht_queue()
    [message] = deliver()
    assert organisatie.naam in message.body and tweede.naam in message.body
    assert "Rustig B.V." not in message.body and "Gebruiker B.V." not in message.body


def test_nothing_to_do_no_e_mail(lezer, organisatie):
    KetenmachtigingFactory(intermediair=organisatie, actief=True)  # ends in five years
    with at(MONDAY):
        assert weekoverzicht_queue() == 0
    assert not Mail.objects.filter(soort=WEEKOVERZICHT).exists()


def test_only_who_asked_for_it_and_may_act(organisatie, beheerder):
    something_to_do(organisatie)
    LidmaatschapFactory(organisatie=organisatie, rol=Rol.GEBRUIKER, user__weekoverzicht=True)
    LidmaatschapFactory(
        organisatie=organisatie, rol=Rol.BEHEERDER, user__weekoverzicht=True, user__eh2plus=True
    )
    with at(MONDAY):
        assert weekoverzicht_queue() == 0  # beheerder did not ask; the others may not act


def test_done_before_delivery_it_is_not_sent(lezer, organisatie):
    something_to_do(organisatie)
    with at(MONDAY):
        weekoverzicht_queue()
    lezer.weekoverzicht = False
    lezer.save()
    assert deliver() == []
    assert Mail.objects.get(soort=WEEKOVERZICHT).status == "vervallen"


def test_run_jobs_queues_it_on_monday_morning_only(lezer, organisatie):
    something_to_do(organisatie)
    with at(MONDAY - dt.timedelta(days=1)):  # Sunday
        call_command("run_jobs", verbosity=0)
    assert not Mail.objects.filter(soort=WEEKOVERZICHT).exists()
    with at(MONDAY):
        call_command("run_jobs", verbosity=0)
        call_command("run_jobs", verbosity=0)
    assert Mail.objects.filter(soort=WEEKOVERZICHT).count() == 1


def test_beat_runs_it_weekly_on_monday_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["weekoverzicht"]
    assert entry["task"] == "ketenmachtigingen.tasks.weekoverzicht_task"
    schedule = entry["schedule"]
    assert schedule.day_of_week == {1} and schedule.hour == {7} and schedule.minute == {0}
    from ketenmachtigingen.tasks import weekoverzicht_task

    assert weekoverzicht_task.name == entry["task"]


def test_the_due_window():
    assert weekoverzicht.due(MONDAY)
    assert not weekoverzicht.due(MONDAY.replace(hour=6))
    assert not weekoverzicht.due(MONDAY.replace(hour=12))
    assert not weekoverzicht.due(MONDAY + dt.timedelta(days=1))


def test_run_jobs_works_the_list_out_once_per_monday(
    lezer, organisatie, django_assert_max_num_queries
):
    """After a finished run the next minutes of the morning do not compute it again."""
    something_to_do(organisatie)
    with at(MONDAY):
        assert weekoverzicht.weekoverzicht_queue_if_due() == 1
    with at(MONDAY + dt.timedelta(minutes=1)), django_assert_max_num_queries(0):
        assert weekoverzicht.weekoverzicht_queue_if_due() == 0
    with at(MONDAY + dt.timedelta(days=1)):
        assert weekoverzicht.weekoverzicht_queue_if_due() is None
