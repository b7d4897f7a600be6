"""The outbox against a real SMTP conversation (tests/smtp_server.py): retried after a
temporary refusal and delivered once; refused for good: shown, told, and sent again on request;
returned later (a bounce): shown and told; run once by ``run_jobs``; limited when sent by hand."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from berichtenbox.models import Bericht
from ketenmachtigingen.constants import Status
from ketenmachtigingen.models import Ketenmachtiging
from ketenmachtigingen.notifications import Event, notify
from outbox.bounces import parse_bounce
from outbox.constants import FoutSoort, MailStatus
from outbox.delivery import deliver_due
from outbox.models import Mail
from tests.conftest import verified_client
from tests.factories import KetenmachtigingFactory, LidmaatschapFactory, OrganisatieFactory
from tests.smtp_server import FakeSMTP


@pytest.fixture
def smtp(settings):
    server = FakeSMTP().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture
def kantoor(db):
    organisatie = OrganisatieFactory(naam="Kantoor Klaas B.V.")
    beheerder = LidmaatschapFactory(
        organisatie=organisatie, beheerder=True, user__email="beheer@klaas.nl", user__taal="en"
    )
    return organisatie, beheerder.user


def invite(kantoor, *, email="directie@relatie.nl", **fields) -> Ketenmachtiging:
    """A request whose invitation sits in the outbox (as the request service leaves it)."""
    km = KetenmachtigingFactory(
        intermediair=kantoor[0],
        relatie_contact_email=email,
        relatie_naam="Bakkerij Zoet B.V.",
        **fields,
    )
    with transaction.atomic():
        notify(Event.AANGEVRAAGD, km, key="0")
    return km


def due_now():
    Mail.objects.filter(status=MailStatus.WACHTEND).update(volgende_poging_op=timezone.now())


def test_a_temporary_refusal_is_retried_and_delivered_once(smtp, kantoor):
    km = invite(kantoor)
    smtp.refuse = [(451, "greylisted, try again later")]
    report = deliver_due()
    assert (report.sent, report.retried) == (0, 1)
    row = Mail.objects.get(betreft_id=km.pk)
    assert row.status == MailStatus.WACHTEND and row.pogingen == 1
    assert row.fout_soort == FoutSoort.GEWEIGERD and "451" in row.fout
    assert row.volgende_poging_op > timezone.now() + timedelta(seconds=30)
    assert deliver_due().sent == 0  # not due yet: nothing is sent early

    # The page tells the truth meanwhile: being sent, not sent.
    client = verified_client(kantoor[1])  # English, from the profile
    page = client.get(km.get_absolute_url()).content.decode()
    assert "Invitation being sent to directie@relatie.nl" in page and "451 greylisted" in page
    assert "Invitation sent on" not in page

    due_now()
    assert deliver_due().sent == 1
    assert deliver_due().sent == 0
    assert len(smtp.to("directie@relatie.nl")) == 1
    km.refresh_from_db()
    row.refresh_from_db()
    assert row.status == MailStatus.VERZONDEN and km.uitnodiging_verzonden_op == row.verzonden_op
    page = client.get(km.get_absolute_url()).content.decode()
    assert "Invitation sent on" in page and km.formulier_pdf
    message = smtp.to("directie@relatie.nl")[0]
    assert message["Message-ID"] == row.message_id
    assert any(p.get_content_type() == "application/pdf" for p in message.walk())


def test_a_permanent_refusal_is_shown_told_and_resend_works(smtp, kantoor, settings):
    km = invite(kantoor, email="bestaat-niet@relatie.nl")
    smtp.refuse = [(550, "5.1.1 no such mailbox")]
    report = deliver_due()
    assert report.failed == 1 and not smtp.messages
    km.refresh_from_db()
    assert km.status == Status.FOUT and "5.1.1 no such mailbox" in km.status_reden
    bericht = Bericht.objects.get(organisatie=kantoor[0], sjabloon="ketenmachtigingen.fout")
    assert bericht.betreft == km
    # The beheerder hears of it by e-mail too (the berichtenbox notice), in their language.
    call_command("run_jobs", verbosity=0)
    notice = smtp.to("beheer@klaas.nl")
    assert len(notice) == 1 and "waiting for you in the berichtenbox" in notice[0]["Subject"]
    client = verified_client(kantoor[1])
    page = client.get(km.get_absolute_url()).content.decode()
    assert "5.1.1 no such mailbox" in page and "Not sent" in page
    assert "Send the invitation again" in page

    # Correcting nothing and sending again: a new invitation, delivered this time.
    response = client.post(reverse("ketenmachtigingen:opnieuw_versturen", args=[km.pk]))
    assert response.status_code == 302
    km.refresh_from_db()
    assert km.status == Status.VERSTUURD
    deliver_due()
    assert len(smtp.to("bestaat-niet@relatie.nl")) == 1
    km.refresh_from_db()
    assert km.uitnodiging_verzonden_op is not None


def test_the_last_retry_fails_for_good(smtp, kantoor, settings):
    settings.MAIL_RETRY_DELAYS_SECONDS = [60, 60]
    km = invite(kantoor)
    smtp.refuse = [(421, "service not available")] * 3
    for _attempt in range(3):
        due_now()
        deliver_due()
    row = Mail.objects.get(betreft_id=km.pk)
    assert row.status == MailStatus.MISLUKT and row.pogingen == 3 and smtp.refusals == 3
    km.refresh_from_db()
    assert km.status == Status.FOUT
    due_now()
    assert deliver_due().sent == 0 and not smtp.messages  # nothing more is tried


def test_an_unreachable_server_is_retried(settings, kantoor):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    km = invite(kantoor)
    assert deliver_due().retried == 1
    row = Mail.objects.get(betreft_id=km.pk)
    assert row.fout_soort == FoutSoort.ONBEREIKBAAR and row.status == MailStatus.WACHTEND


def test_a_bounce_marks_the_mail_and_tells_the_beheerder(smtp, kantoor, tmp_path):
    km = invite(kantoor)
    with transaction.atomic():
        notify(Event.HERINNERING, km, key="1", nummer=1)
    Ketenmachtiging.objects.filter(pk=km.pk).update(status=Status.VERSTUURD)
    deliver_due()
    herinnering = Mail.objects.get(soort="ketenmachtigingen.herinnering")
    assert herinnering.status == MailStatus.VERZONDEN
    dsn = (
        "From: MAILER-DAEMON@mx.relatie.nl\nSubject: Undelivered Mail Returned to Sender\n"
        "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; "
        'boundary="B"\n\n--B\nContent-Type: text/plain\n\nYour message could not be '
        "delivered.\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; "
        "mx.relatie.nl\n\nFinal-Recipient: rfc822; directie@relatie.nl\nAction: failed\n"
        "Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n\n--B\n"
        f"Content-Type: text/rfc822-headers\n\nMessage-ID: {herinnering.message_id}\n"
        "Subject: Herinnering\n\n--B--\n"
    ).encode()
    path = tmp_path / "bounce.eml"
    path.write_bytes(dsn)
    assert parse_bounce(dsn).message_id == herinnering.message_id
    call_command("mail_bounce", str(path), verbosity=0)
    call_command("mail_bounce", str(path), verbosity=0)  # the same bounce twice: told once
    herinnering.refresh_from_db()
    assert herinnering.status == MailStatus.ONBESTELBAAR
    told = Bericht.objects.filter(sjabloon="ketenmachtigingen.mail_niet_bezorgd")
    assert told.count() == 1 and told.get().organisatie == kantoor[0]
    # The invitation itself went out; the request still waits (a reminder bounced).
    km.refresh_from_db()
    assert km.status == Status.VERSTUURD
    client = verified_client(kantoor[1])
    page = client.get(km.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Bounced" in page and "550 5.1.1 user unknown" in page


def test_run_jobs_once_delivers_every_mail_that_is_due(kantoor, django_capture_on_commit_callbacks):
    # Messages and e-mails written while no worker ran (their after-commit delivery lost).
    km = KetenmachtigingFactory(intermediair=kantoor[0], relatie_contact_email="a@relatie.nl")
    with transaction.atomic():
        notify(Event.AANGEVRAAGD, km, key="0")
        notify(Event.ONTVANGEN, km, key="1")
    assert not mail.outbox and Bericht.objects.filter(gemaild_op__isnull=True).count() == 1
    call_command("run_jobs", verbosity=0)
    assert sorted(m.to[0] for m in mail.outbox) == ["a@relatie.nl", "beheer@klaas.nl"]
    notice = next(m for m in mail.outbox if m.to == ["beheer@klaas.nl"])
    assert "waiting for you" in notice.subject  # the beheerder's language: English
    assert "http://testserver-site/berichtenbox/" in notice.body or "/berichtenbox/" in notice.body
    assert not Mail.objects.exclude(status=MailStatus.VERZONDEN).exists()
    call_command("run_jobs", verbosity=0)
    assert len(mail.outbox) == 2


def test_links_in_e_mails_use_site_url(kantoor, settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    km = KetenmachtigingFactory(intermediair=kantoor[0])
    with transaction.atomic():
        notify(Event.ONTVANGEN, km, key="1")
    call_command("run_jobs", verbosity=0)
    notice = next(m for m in mail.outbox if m.to == ["beheer@klaas.nl"])
    assert "http://127.0.0.1:8123/berichtenbox/" in notice.body


def test_resending_many_times_a_second_is_limited(kantoor, settings):
    """Security row 29: the same mail-sending action repeated is limited per person, address
    and organisation, with a clear message."""
    settings.MAIL_THROTTLE_PER_RECIPIENT = 3
    km = KetenmachtigingFactory(intermediair=kantoor[0], relatie_contact_email="x@relatie.nl")
    client = verified_client(kantoor[1])
    url = reverse("ketenmachtigingen:opnieuw_versturen", args=[km.pk])
    for _ in range(3):
        client.post(url)
    assert Mail.objects.filter(soort="ketenmachtigingen.uitnodiging_opnieuw").count() == 3
    response = client.post(url, follow=True)
    assert Mail.objects.filter(soort="ketenmachtigingen.uitnodiging_opnieuw").count() == 3
    page = response.content.decode()
    assert "An e-mail was sent to x@relatie.nl several times just now" in page

    # Per person: another address, the same beheerder, over the limit.
    settings.MAIL_THROTTLE_PER_USER = 4
    other = KetenmachtigingFactory(intermediair=kantoor[0], relatie_contact_email="y@relatie.nl")
    client.post(reverse("ketenmachtigingen:opnieuw_versturen", args=[other.pk]))
    assert Mail.objects.filter(ontvanger="y@relatie.nl").count() == 0  # the 5th: refused
    response = client.post(
        reverse("ketenmachtigingen:opnieuw_versturen", args=[other.pk]), follow=True
    )
    assert "You are sending e-mails faster than allowed" in response.content.decode()


def test_passing_on_the_details_is_limited_per_organisation(settings, db):
    settings.MAIL_THROTTLE_PER_ORGANISATIE = 2
    settings.MAIL_THROTTLE_PER_USER = settings.MAIL_THROTTLE_PER_RECIPIENT = 100
    bedrijf = OrganisatieFactory()
    people = [LidmaatschapFactory(organisatie=bedrijf, beheerder=True).user for _ in range(3)]
    km = KetenmachtigingFactory(relatie_organisatie=bedrijf, actief=True)
    url = reverse("ketenmachtigingen:afgegeven_detail", args=[km.pk])
    codes = [
        verified_client(person).post(url, {"email": f"k{i}@kantoor.nl"}).status_code
        for i, person in enumerate(people)
    ]
    assert codes == [302, 302, 400]
    assert Mail.objects.filter(soort="ketenmachtigingen.feiten").count() == 2


def test_an_undelivered_e_mail_can_be_sent_again_from_the_history(smtp, kantoor, world):
    km = KetenmachtigingFactory(
        intermediair=kantoor[0], incompleet=True, relatie_contact_email="fout@relatie.nl"
    )
    with transaction.atomic():
        notify(Event.INCOMPLEET, km, key="1", reden="Handtekening ontbreekt")
    smtp.refuse = [(550, "5.1.1 no such mailbox")]
    deliver_due()
    failed = Mail.objects.get(soort="ketenmachtigingen.incompleet")
    assert failed.status == MailStatus.MISLUKT
    told = Bericht.objects.get(sjabloon="ketenmachtigingen.mail_niet_bezorgd")
    assert told.organisatie == kantoor[0] and told.betreft == km
    url = reverse("ketenmachtigingen:mail_opnieuw", args=[km.pk, failed.pk])

    client = verified_client(kantoor[1])
    page = client.get(km.get_absolute_url()).content.decode()
    assert url in page and "5.1.1 no such mailbox" in page
    # Another organisation's beheerder: not found, nothing sent.
    stranger = verified_client(world.other_beheerder.user)
    assert stranger.post(url).status_code == 404
    assert Mail.objects.filter(soort="ketenmachtigingen.incompleet").count() == 1

    assert client.post(url).status_code == 302
    deliver_due()
    assert len(smtp.to("fout@relatie.nl")) == 1
    assert Mail.objects.filter(soort="ketenmachtigingen.incompleet").count() == 2
    failed.refresh_from_db()
    assert failed.status == MailStatus.MISLUKT  # the failed one stays in the history
    # A delivered e-mail, or the invitation, is not sent again this way.
    sent = Mail.objects.get(soort="ketenmachtigingen.incompleet", status=MailStatus.VERZONDEN)
    again = client.post(
        reverse("ketenmachtigingen:mail_opnieuw", args=[km.pk, sent.pk]), follow=True
    )
    assert "cannot be sent again here" in again.content.decode()


def test_a_row_taken_over_in_the_middle_of_a_slow_batch_is_not_sent_twice(
    smtp, kantoor, monkeypatch
):
    """A batch on a slow mail server can outlast its lease; a row another worker took over in
    the meantime is left to that worker, not sent by both."""
    from outbox import delivery

    kms = [invite(kantoor, email=f"klant{i}@relatie.nl") for i in range(3)]
    taken = Mail.objects.get(betreft_id=kms[1].pk)
    compose = delivery._compose

    def slow_compose(row):
        if row.pk == taken.pk:  # meanwhile the lease ran out and a second worker claimed it
            Mail.objects.filter(pk=row.pk).update(geclaimd_door="other-worker")
        return compose(row)

    monkeypatch.setattr(delivery, "_compose", slow_compose)
    report = deliver_due()
    assert report.sent == 2
    assert sorted(r for rcpt, _raw in smtp.messages for r in rcpt) == [
        "klant0@relatie.nl",
        "klant2@relatie.nl",
    ]
    taken.refresh_from_db()
    assert taken.status == MailStatus.WACHTEND and taken.geclaimd_door == "other-worker"
