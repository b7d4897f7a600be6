"""A real Celery worker against Redis and PostgreSQL: the sweeps run twice and at the same time
without doubling anything, and a worker killed in the middle of a batch loses nothing.

The worker runs as a separate process with the test settings, on the test database (the tests
use committed transactions so it can see their rows) and writes its e-mails to a folder.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from django.db import connection, transaction
from django.utils import timezone, translation

from berichtenbox.models import Bericht
from ketenmachtigingen.constants import Status
from ketenmachtigingen.models import Ketenmachtiging, StatusWijziging
from ketenmachtigingen.notifications import Event, notify
from ketenportal.celery import app
from outbox.constants import MailStatus
from outbox.models import Mail
from tests.factories import KetenmachtigingFactory, LidmaatschapFactory, OrganisatieFactory
from tests.smtp_server import FakeSMTP

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, *, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out: {message}")


class Worker:
    def __init__(self, maildir: Path, env: dict[str, str], name: str) -> None:
        self.log = ROOT / "tmp" / f"worker-{name}.log"
        self.log.parent.mkdir(exist_ok=True)
        test_db = connection.settings_dict["NAME"]
        url = urlparse(os.environ["DATABASE_URL"])
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "ketenportal.settings.test",
            "DATABASE_URL": urlunparse(url._replace(path=f"/{test_db}")),
            "EMAIL_URL": f"filemail:///{maildir.relative_to(ROOT)}",
            **env,
        }
        self.name = name
        self.process: subprocess.Popen | None = None

    def start(self, concurrency: int = 2) -> "Worker":
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "ketenportal",
                "worker",
                "-P",
                "prefork",
                "-c",
                str(concurrency),
                "--loglevel=INFO",
                "--without-mingle",
                "--without-gossip",
                "-n",
                f"{self.name}-{uuid.uuid4().hex[:6]}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(
            lambda: "ready." in self.log.read_text(errors="replace"),
            timeout=60,
            message=f"worker ready (see {self.log})",
        )
        return self

    def kill(self) -> None:
        """Kill the whole worker (main process and its children) without a chance to clean up."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def broker():
    """Send tasks to Redis for real (the test settings run them in-process otherwise)."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    app.control.purge()
    yield app
    app.control.purge()
    app.conf.task_always_eager = eager


@pytest.fixture
def workers(tmp_path):
    started: list[Worker] = []
    maildir = ROOT / "tmp" / f"mail-{uuid.uuid4().hex[:8]}"
    maildir.mkdir(parents=True)

    def start(name: str, concurrency: int = 2, **env: str) -> Worker:
        worker = Worker(maildir, env, name).start(concurrency)
        started.append(worker)
        return worker

    start.maildir = maildir
    yield start
    for worker in started:
        worker.stop()


def mails(maildir: Path) -> list[str]:
    return [p.read_text(errors="replace") for p in sorted(maildir.glob("*.log"))]


def organisation_with_beheerder(n: int):
    org = OrganisatieFactory(naam=f"Kantoor {n} B.V.")
    LidmaatschapFactory(organisatie=org, rol="beheerder", user__email=f"beheer{n}@kantoor.nl")
    return org


def test_sweeps_twice_and_at_once_change_and_mail_once(broker, workers):
    today = timezone.localdate()
    orgs = [organisation_with_beheerder(n) for n in range(3)]
    for org in orgs:
        for _ in range(10):  # due for a renewal notice
            KetenmachtigingFactory(
                intermediair=org,
                actief=True,
                startdatum=today - timedelta(days=1700),
                einddatum=today + timedelta(days=60),
            )
        for _ in range(5):  # past their end date
            KetenmachtigingFactory(
                intermediair=org,
                actief=True,
                startdatum=today - timedelta(days=800),
                einddatum=today - timedelta(days=3),
            )
    workers("sweep", concurrency=2)
    from ketenmachtigingen.tasks import run_sweeps_task

    run_sweeps_task.delay()
    run_sweeps_task.delay()
    wait_for(
        lambda: (
            Bericht.objects.filter(gemaild_op__isnull=False).count() == 45
            and not Mail.objects.exclude(status=MailStatus.VERZONDEN).exists()
        ),
        timeout=90,
        message="45 messages created and mailed",
    )
    time.sleep(2)  # let the second sweep finish too
    run_sweeps_task.delay()
    time.sleep(4)
    assert Bericht.objects.count() == 45
    assert StatusWijziging.objects.filter(naar=Status.VERLOPEN).count() == 15
    assert Ketenmachtiging.objects.filter(verlenging_gemeld_voor__isnull=False).count() == 30
    # Every notice is e-mailed exactly once: it appears in one e-mail to its beheerder (two
    # sweeps at once may each mail the notices they made, never the same notice twice).
    sent = mails(workers.maildir)
    for bericht in Bericht.objects.select_related("organisatie"):
        n = bericht.organisatie.naam.split()[1]
        with translation.override("nl"):
            titel = bericht.titel
        mentions = [m for m in sent if f"To: beheer{n}@kantoor.nl" in m and titel in m]
        assert len(mentions) == 1, (titel, len(mentions))


def test_a_killed_worker_loses_nothing_and_doubles_nothing(broker, workers):
    today = timezone.localdate()
    org = organisation_with_beheerder(9)
    for _ in range(200):
        KetenmachtigingFactory(
            intermediair=org,
            actief=True,
            startdatum=today - timedelta(days=800),
            einddatum=today - timedelta(days=1),
        )
    slow = {
        "SWEEP_CHUNK_SIZE": "10",
        "SWEEP_CHUNK_PAUSE_SECONDS": "0.3",
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }
    first = workers("doomed", concurrency=1, **slow)
    from ketenmachtigingen.tasks import run_sweeps_task

    run_sweeps_task.delay()
    done = StatusWijziging.objects.filter(naar=Status.VERLOPEN)
    wait_for(lambda: done.count() >= 30, timeout=60, message="the sweep is under way")
    first.kill()
    partial = done.count()
    assert 0 < partial < 200, partial
    time.sleep(1)
    assert done.count() == partial  # a killed worker changes nothing more
    workers("rescue", concurrency=1, **slow)
    wait_for(lambda: done.count() == 200, timeout=60, message="the redelivered sweep finished")
    wait_for(
        lambda: (
            not Bericht.objects.filter(gemaild_op__isnull=True).exists()
            and Mail.objects.filter(status=MailStatus.VERZONDEN).count() == 1
        ),
        timeout=60,
        message="the messages were mailed",
    )
    time.sleep(2)
    assert done.count() == 200
    assert done.values("ketenmachtiging").distinct().count() == 200
    assert Bericht.objects.filter(soort="verlopen").count() == 200
    assert Ketenmachtiging.objects.filter(status=Status.VERLOPEN).count() == 200
    assert len(mails(workers.maildir)) == 1


def test_a_worker_killed_while_delivering_mail_sends_each_e_mail_exactly_once(broker, workers):
    """The outbox under a real worker and a real SMTP conversation: the worker is killed in the
    middle of delivering 40 invitations (while the server has not yet answered its ninth
    conversation); a new worker finishes, and the mail server has accepted every invitation
    exactly once. (A worker that dies in the instant between the server's "250 OK" and marking
    the row sends that one e-mail again: SMTP has no two-phase commit; its Message-ID stays the
    same, so a receiving server can tell.)"""
    smtp = FakeSMTP().start()
    smtp.delay = 0.05  # a slow server
    smtp.hold_at = 8  # the ninth conversation waits at RCPT: the kill lands there
    try:
        org = organisation_with_beheerder(7)
        kms = [
            KetenmachtigingFactory(intermediair=org, relatie_contact_email=f"klant{i}@relatie.nl")
            for i in range(40)
        ]
        with transaction.atomic():
            for km in kms:
                notify(Event.AANGEVRAAGD, km, key="0")
        env = {
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
            "MAIL_LEASE_SECONDS": "3",
            "MAIL_BATCH": "5",
            "CELERY_VISIBILITY_TIMEOUT": "3",
            "CELERY_UNACKED_RESTORE_INTERVAL": "1",
            "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        }
        first = workers("mailer", concurrency=1, **env)
        from outbox.tasks import deliver_due_task

        deliver_due_task.delay()
        assert smtp.held.wait(timeout=60), "delivery under way"
        first.kill()
        partial = len(smtp.messages)
        assert partial == 8, partial
        smtp.hold_at = None
        smtp.release.set()
        workers("rescue", concurrency=1, **env)
        time.sleep(3.5)  # the dead worker's claim runs out
        deliver_due_task.delay()  # what beat does every minute
        sent = Mail.objects.filter(status=MailStatus.VERZONDEN)
        wait_for(lambda: sent.count() == 40, timeout=90, message="every invitation delivered")
        time.sleep(1)
        recipients = sorted(r for rcpt, _raw in smtp.messages for r in rcpt)
        assert recipients == sorted(f"klant{i}@relatie.nl" for i in range(40))
        assert Ketenmachtiging.objects.filter(uitnodiging_verzonden_op__isnull=True).count() == 0
    finally:
        smtp.stop()
