"""The time-driven sweeps, with frozen time: due and not yet due, twice, and the read-time rules
that hold even when a job never ran."""

import datetime as dt
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.constants import AuditAction
from accounts.models import AuditEntry
from berichtenbox.models import Bericht
from ketenmachtigingen import services
from ketenmachtigingen.constants import Status
from ketenmachtigingen.exceptions import InvitationLapsed
from ketenmachtigingen.jobs import run_sweeps
from ketenmachtigingen.models import Afzenderinstellingen, Ketenmachtiging, StatusWijziging
from tests.conftest import verified_client
from tests.factories import KetenmachtigingFactory, UserFactory

pytestmark = pytest.mark.django_db
AMSTERDAM = dt.timezone(dt.timedelta(hours=1))


def at(day: dt.date, hour: int = 3):
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, hour, tzinfo=AMSTERDAM), tick=False
    )


@pytest.fixture
def org(world):
    world.beheerder.user.email = "beheer@alpha.nl"
    world.beheerder.user.save()
    return world.organisatie


def active(org, start: dt.date, years=1, **extra):
    return KetenmachtigingFactory(
        intermediair=org,
        actief=True,
        startdatum=start,
        einddatum=start.replace(year=start.year + years),
        **extra,
    )


def test_renewal_notice_three_months_before_the_end_once_per_term(
    org, django_capture_on_commit_callbacks
):
    km = active(org, dt.date(2025, 6, 1))  # ends 2026-06-01
    with at(dt.date(2026, 2, 28)):
        run_sweeps()
    assert not Bericht.objects.filter(soort="verlenging").exists()  # not yet due
    with at(dt.date(2026, 3, 1)), django_capture_on_commit_callbacks(execute=True):
        counts = run_sweeps()
    assert counts["verlengingen"] == 1
    bericht = Bericht.objects.get(soort="verlenging")
    assert bericht.organisatie == org and "01-06-2026" in bericht.titel
    assert bericht.link == reverse("ketenmachtigingen:detail", args=[km.pk])
    km.refresh_from_db()
    assert km.verlenging_gemeld_voor == dt.date(2026, 6, 1)
    assert [m.to for m in mail.outbox] == [["beheer@alpha.nl"]]
    assert "berichtenbox" in mail.outbox[0].subject.lower() or "bericht" in mail.outbox[0].body
    # Twice: nothing more.
    with at(dt.date(2026, 3, 2)), django_capture_on_commit_callbacks(execute=True):
        assert run_sweeps()["verlengingen"] == 0
    assert Bericht.objects.filter(soort="verlenging").count() == 1 and len(mail.outbox) == 1


def test_a_new_term_gets_its_own_notice(org):
    km = active(org, dt.date(2025, 6, 1))
    with at(dt.date(2026, 3, 1)):
        run_sweeps()
    Ketenmachtiging.objects.filter(pk=km.pk).update(einddatum=dt.date(2027, 6, 1))
    with at(dt.date(2027, 3, 5)):
        run_sweeps()
    assert Bericht.objects.filter(soort="verlenging").count() == 2


def test_expiry_at_the_end_date(org, world):
    km = active(org, dt.date(2025, 6, 1))
    km.gebruikers.add(world.gebruiker)
    with at(dt.date(2026, 6, 1)):
        assert run_sweeps()["verlopen"] == 0  # the end date itself is still valid
    with at(dt.date(2026, 6, 2)):
        assert run_sweeps()["verlopen"] == 1
        assert run_sweeps()["verlopen"] == 0
    km.refresh_from_db()
    assert km.status == Status.VERLOPEN
    history = StatusWijziging.objects.get(ketenmachtiging=km, naar=Status.VERLOPEN)
    assert history.van == Status.ACTIEF and history.actor is None
    audit = AuditEntry.objects.get(object_id=str(km.pk), action=AuditAction.TRANSITION)
    assert audit.changes["status"] == {"old": "actief", "new": "verlopen"}
    assert Bericht.objects.filter(soort="verlopen", organisatie=org).count() == 1


def test_expired_is_expired_before_the_job_runs(org, world):
    """The overview and the access rules use the effective status: no job needed."""
    km = active(org, dt.date(2025, 6, 1))
    with at(dt.date(2026, 6, 5), hour=12):
        client = verified_client(world.beheerder.user)
        listing = client.get(reverse("ketenmachtigingen:van_relaties"), {"tab": "verlopen"})
        assert km in [r.km for r in listing.context["rows"]]
        km.refresh_from_db()
        assert km.status == Status.ACTIEF and km.effective_status() == Status.VERLOPEN


def test_scheduled_end(org):
    km = active(org, dt.date(2025, 6, 1), einde_gepland_op=dt.date(2025, 12, 1))
    with at(dt.date(2025, 11, 30)):
        assert run_sweeps()["geplande_eindes"] == 0
    with at(dt.date(2025, 12, 1)):
        assert run_sweeps()["geplande_eindes"] == 1
    km.refresh_from_db()
    assert km.status == Status.BEEINDIGD


def test_lapsed_invitations(org, django_capture_on_commit_callbacks):
    with at(dt.date(2026, 1, 10), hour=10):
        km = KetenmachtigingFactory(intermediair=org)  # valid until 2026-04-10
        incompleet = KetenmachtigingFactory(intermediair=org, incompleet=True)
        ontvangen = KetenmachtigingFactory(intermediair=org, ontvangen=True)
    with at(dt.date(2026, 4, 10)):
        assert run_sweeps()["vervallen"] == 0
    with at(dt.date(2026, 4, 11)), django_capture_on_commit_callbacks(execute=True):
        assert run_sweeps()["vervallen"] == 2
        assert run_sweeps()["vervallen"] == 0
    for obj, status in (
        (km, Status.VERVALLEN),
        (incompleet, Status.VERVALLEN),
        (ontvangen, Status.ONTVANGEN),
    ):
        obj.refresh_from_db()
        assert obj.status == status
    assert Bericht.objects.filter(soort="vervallen_aanvraag").count() == 2
    assert len(mail.outbox) == 1  # one e-mail for the organisation's new messages


def test_a_late_form_is_refused_even_if_the_job_never_ran(org):
    staff = UserFactory(is_staff=True)
    with at(dt.date(2026, 1, 10), hour=10):
        km = KetenmachtigingFactory(intermediair=org)
    with at(dt.date(2026, 4, 11), hour=10):
        with pytest.raises(InvitationLapsed):
            services.backoffice_approve(actor=staff, km=km)
        with pytest.raises(InvitationLapsed):
            services.backoffice_mark_received(actor=staff, km=km)
    km.refresh_from_db()
    assert km.status == Status.VERSTUURD


def test_reminders_after_two_and_six_weeks(org, django_capture_on_commit_callbacks):
    with at(dt.date(2026, 1, 1), hour=10):
        km = KetenmachtigingFactory(
            intermediair=org,
            relatie_contact_email="relatie@x.nl",
            uitnodiging_verzonden_op=timezone.now(),
        )
    for day, expected in (
        (dt.date(2026, 1, 14), 0),
        (dt.date(2026, 1, 15), 1),
        (dt.date(2026, 1, 20), 0),
        (dt.date(2026, 2, 12), 1),
        (dt.date(2026, 3, 20), 0),
    ):
        with at(day, hour=11), django_capture_on_commit_callbacks(execute=True):
            assert run_sweeps()["herinneringen"] == expected, day
    km.refresh_from_db()
    assert km.herinneringen_verstuurd == 2
    reminders = [m.to for m in mail.outbox if m.to == ["relatie@x.nl"]]
    assert reminders == [["relatie@x.nl"], ["relatie@x.nl"]]
    assert mail.outbox[0].subject.startswith("Herinnering")


def test_an_invitation_found_late_gets_one_reminder_at_a_time(
    org, django_capture_on_commit_callbacks
):
    """Seen: an invitation sent 50 days ago got both reminders in the same second. Now the
    first goes out, and the second only the days between them (28) later."""
    with at(dt.date(2026, 1, 1), hour=10):
        km = KetenmachtigingFactory(
            intermediair=org,
            relatie_contact_email="relatie@x.nl",
            uitnodiging_verzonden_op=timezone.now(),
        )
    for day, expected in (
        (dt.date(2026, 2, 20), 1),  # day 50: both are due by date; only the first goes
        (dt.date(2026, 2, 20), 0),  # the same run again: nothing
        (dt.date(2026, 3, 10), 0),  # 18 days after the first
        (dt.date(2026, 3, 20), 1),  # 28 days after the first
    ):
        with at(day, hour=11), django_capture_on_commit_callbacks(execute=True):
            assert run_sweeps()["herinneringen"] == expected, day
    km.refresh_from_db()
    assert km.herinneringen_verstuurd == 2
    assert len([m for m in mail.outbox if m.to == ["relatie@x.nl"]]) == 2


def test_no_reminder_for_an_invitation_that_never_went_out(org, django_capture_on_commit_callbacks):
    with at(dt.date(2026, 1, 1), hour=10):
        KetenmachtigingFactory(intermediair=org, relatie_contact_email="relatie@x.nl")
    with at(dt.date(2026, 2, 1), hour=11), django_capture_on_commit_callbacks(execute=True):
        assert run_sweeps()["herinneringen"] == 0


def test_reminders_per_organisation_and_switched_off(
    org, world, django_capture_on_commit_callbacks
):
    Afzenderinstellingen.objects.create(
        organisatie=org, herinnering_1_dagen=3, herinnering_2_dagen=7
    )
    Afzenderinstellingen.objects.create(organisatie=world.other_organisatie, herinneringen=False)
    with at(dt.date(2026, 1, 1), hour=10):
        mine = KetenmachtigingFactory(intermediair=org, uitnodiging_verzonden_op=timezone.now())
        other = KetenmachtigingFactory(
            intermediair=world.other_organisatie, uitnodiging_verzonden_op=timezone.now()
        )
    with at(dt.date(2026, 1, 5), hour=11), django_capture_on_commit_callbacks(execute=True):
        run_sweeps()
    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.herinneringen_verstuurd, other.herinneringen_verstuurd) == (1, 0)
    with at(dt.date(2026, 3, 1), hour=11):
        run_sweeps()
    other.refresh_from_db()
    assert other.herinneringen_verstuurd == 0


def test_resend_button_sends_again_with_an_audit_row(
    org, world, django_capture_on_commit_callbacks
):
    km = KetenmachtigingFactory(intermediair=org, relatie_contact_email="relatie@x.nl")
    client = verified_client(world.beheerder.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("ketenmachtigingen:opnieuw_versturen", args=[km.pk]))
    km.refresh_from_db()
    assert km.status == Status.VERSTUURD
    assert [m.to for m in mail.outbox] == [["relatie@x.nl"]]
    assert (
        AuditEntry.objects.filter(object_id=str(km.pk), message="invitation sent again").count()
        == 1
    )


def test_run_jobs_command(org, capsys):
    from django.core.management import call_command

    active(org, dt.date(2020, 1, 1))
    call_command("run_jobs")
    assert "verlopen: 1" in capsys.readouterr().out


def test_chunks_cover_everything(org, settings):
    settings.SWEEP_CHUNK_SIZE = 3
    for _ in range(10):
        active(org, dt.date(2020, 1, 1))
    assert run_sweeps()["verlopen"] == 10
    assert Ketenmachtiging.objects.filter(status=Status.VERLOPEN).count() == 10


def test_other_organisations_messages_stay_theirs(org, world):
    active(world.other_organisatie, dt.date(2020, 1, 1))
    run_sweeps()
    assert not Bericht.objects.filter(organisatie=org, soort="verlopen").exists()
    assert Bericht.objects.filter(organisatie=world.other_organisatie, soort="verlopen").exists()


def test_sweeps_leave_unrelated_rows_alone(org):
    keep = active(org, timezone.localdate() - timedelta(days=10), years=2)
    run_sweeps()
    keep.refresh_from_db()
    assert keep.status == Status.ACTIEF and keep.verlenging_gemeld_voor is None
