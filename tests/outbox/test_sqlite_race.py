"""Seen: a renewal sent while the periodic sweep ran on the embedded database failed with
"database is locked"; the page said the invitation was sent, but no e-mail went out.

Here the embedded default is run as ``make run`` runs it: one SQLite file, the sweeps in one
process (busy writing, in chunks), a renewal of 30 ketenmachtigingen in another, tasks in
process after commit, a real SMTP server. Every invitation is delivered, and none is shown as
sent that the server did not accept.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.smtp_server import FakeSMTP

ROOT = Path(__file__).resolve().parents[2]


def run(role: str, env: dict, *, background: bool = False):
    command = [sys.executable, "-m", "tests.outbox.sqlite_race", role]
    if background:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else None


def test_a_renewal_during_the_sweep_on_sqlite_is_delivered(tmp_path):
    smtp = FakeSMTP().start()
    try:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "REDIS_URL")
        }
        env.update(
            DJANGO_SETTINGS_MODULE="ketenportal.settings.test",
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
            MEDIA_ROOT=str(tmp_path / "media"),
            SWEEP_CHUNK_SIZE="50",
            RACE_FLAG=str(tmp_path / "sweeping"),
            RACE_SECONDS="8",
        )
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert migrate.returncode == 0, migrate.stderr[-3000:]
        run("setup", env)
        sweeper = run("sweeper", env, background=True)
        renewer = run("renewer", env)
        out, _err = sweeper.communicate(timeout=300)
        assert sweeper.returncode == 0
        assert json.loads(out.strip().splitlines()[-1])["runs"] >= 2
        assert renewer["errors"] == [] and renewer["created"] == 30
        report = run("report", env)
        assert report["renewals"] == 30
        accepted = sorted(r for rcpt, _raw in smtp.messages for r in rcpt if r.startswith("klant"))
        assert accepted == sorted(f"klant{i}@race.nl" for i in range(30)), report
        assert set(report["mails"].values()) == {"verzonden"}
        # The screen's "sent" is the server's "accepted", nothing more.
        assert report["marked_sent"] == len(accepted)
    finally:
        smtp.stop()
