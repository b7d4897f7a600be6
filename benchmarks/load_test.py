"""Load test: 50 logged-in beheerders browsing at once, against gunicorn with 2 workers on
PostgreSQL, for 60 seconds; then the capacity ramp: more beheerders step by step until the
browsing p95 passes 300 ms or errors appear, reporting the peak requests per second it held.

Sets up a database of its own (kept between runs with ``BENCH_KEEPDB=1``) with five intermediairs
of 20,000, 10,000, 5,000, 2,000 and 1,000 ketenmachtigingen and their beheerders (enough for the
ramp's last step); collects the static files; starts gunicorn with the production settings over
TLS (a self-signed certificate on 127.0.0.1, so the secure cookies work as they do behind a
proxy) and Redis as cache; and runs locust headless (``benchmarks/locustfile.py``): each
beheerder logs in with password and TOTP, then opens the home page, browses the overview tabs
and pages, searches, opens ketenmachtigingen and the berichtenbox and exports small selections,
1 to 4 seconds apart. Loopback only; bounded by ``LOAD_SECONDS`` (60), ``LOAD_USERS`` (50),
``LOAD_RAMP`` (the steps' numbers of beheerders; empty for no ramp) and ``LOAD_STAGE_SECONDS``
(30 per step).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ketenportal BENCH_KEEPDB=1 \\
        .venv/bin/python benchmarks/load_test.py

Targets: no errors, the 95th percentile of the browsing requests under 300 ms. Logging in (the
password hash is deliberately slow) is reported apart. The ramp's peak is reported against the
aim of 60 requests per second (issue 17).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from _django import (
    ROOT,
    bench_database,
    database_vendor,
    fresh_factory_sequences,
    quiet_database,
    settle,
)

USERS = int(os.environ.get("LOAD_USERS", 50))
SECONDS = int(os.environ.get("LOAD_SECONDS", 60))
RAMP = [
    int(n)
    for n in os.environ.get("LOAD_RAMP", "75,100,125,150,175,200,250,300").split(",")
    if n.strip() and int(n) > USERS
]
STAGE_SECONDS = int(os.environ.get("LOAD_STAGE_SECONDS", 30))
AIM_REQUESTS_PER_SECOND = 60
MAX_USERS = max([USERS, *RAMP])
SIZES = (20_000, 10_000, 5_000, 2_000, 1_000)
PASSWORD = "Load-test-wachtwoord-2026"
TARGET_P95_MS = 300.0
# As gunicorn.conf.py: 2 workers (the number) with GUNICORN_THREADS threads each.
THREADS = os.environ.get("GUNICORN_THREADS", "2")
DATABASE = "bench_load"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_data() -> list[dict]:
    """The intermediairs, their ketenmachtigingen and the beheerders; returns the accounts."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from page_scaling import generate

    from accounts.models import Lidmaatschap, Organisatie, User
    from diensten.models import Dienst
    from ketenmachtigingen.models import Ketenmachtiging
    from tests.factories import DienstFactory, LidmaatschapFactory, OrganisatieFactory

    per_organisatie = max(1, -(-MAX_USERS // len(SIZES)))
    # The production hasher: the test settings' fast one would not be accepted by the server.
    password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    accounts = []
    for size in SIZES:
        name = f"Belasting kantoor {size}"
        organisatie = Organisatie.objects.filter(naam=name).first()
        if organisatie is None or (
            Ketenmachtiging.objects.filter(intermediair=organisatie).count() != size
        ):
            print(f"generating {size} ketenmachtigingen", file=sys.stderr)
            if organisatie is not None:
                organisatie.delete()
            organisatie = OrganisatieFactory(naam=name)
            dienst_ids = list(Dienst.objects.values_list("pk", flat=True)[:50])
            dienst_ids += [DienstFactory().pk for _ in range(50 - len(dienst_ids))]
            generate(organisatie, size, dienst_ids)
        ketenmachtigingen = list(
            Ketenmachtiging.objects.filter(intermediair=organisatie)
            .order_by("?")
            .values_list("pk", flat=True)[:200]
        )
        beheerders = list(
            User.objects.filter(
                lidmaatschappen__organisatie=organisatie,
                lidmaatschappen__rol="beheerder",
                username__startswith="load-",
            ).order_by("username")
        )
        for n in range(len(beheerders), per_organisatie):
            user = LidmaatschapFactory(
                organisatie=organisatie,
                rol="beheerder",
                user__username=f"load-{size}-{n}",
            ).user
            beheerders.append(user)
        for user in beheerders[:per_organisatie]:
            User.objects.filter(pk=user.pk).update(password=password)
            # A fresh device: a code is accepted once, and the last run used this minute's.
            TOTPDevice.objects.filter(user=user).delete()
            device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
            accounts.append(
                {
                    "username": user.username,
                    "password": PASSWORD,
                    "totp": device.key,
                    "ketenmachtigingen": ketenmachtigingen,
                }
            )
    assert Lidmaatschap.objects.filter(user__username__startswith="load-").count() >= MAX_USERS
    settle()
    return accounts


def server_env(database_url: str, static_root: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ketenportal.settings.production",
        "SECRET_KEY": "load-test-" + os.urandom(24).hex(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/13"),
        "STATIC_ROOT": static_root,
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DEBUG", None)
    return env


def main() -> dict:
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith("postgres"):
        return {"name": "load_test", "ok": False, "error": "needs PostgreSQL (DATABASE_URL)"}
    with bench_database(DATABASE):
        fresh_factory_sequences()
        start = time.perf_counter()
        accounts = prepare_data()
        setup_seconds = round(time.perf_counter() - start, 1)
        vendor = database_vendor()
        database_url = urlunsplit(urlsplit(base_url)._replace(path=f"/{DATABASE}"))
        waited = quiet_database()
        summary, server_errors = run_load(accounts, database_url)
    if summary is None:
        return {"name": "load_test", "ok": False, "error": "locust wrote no summary"}

    browse, login = summary["browse"], summary["login"]
    failures = browse["failures"] + login["failures"]
    return {
        "name": "load_test",
        "database": vendor,
        "server": f"gunicorn, 2 workers x {THREADS} threads, production settings, TLS on loopback",
        "users": USERS,
        "seconds": SECONDS,
        "setup_seconds": setup_seconds,
        "quiet_database_seconds": waited,
        "requests": browse["requests"],
        "requests_per_second": summary["requests_per_second"],
        "failures": failures,
        "server_errors_logged": server_errors,
        "browse": browse,
        "login": login,
        "by_name": summary["by_name"],
        "target_p95_ms": TARGET_P95_MS,
        "ramp": summary["ramp"],
        "stage_seconds": STAGE_SECONDS,
        "peak_requests_per_second": summary["peak_requests_per_second"],
        "peak_users": summary["peak_users"],
        "aim_requests_per_second": AIM_REQUESTS_PER_SECOND,
        "ok": failures == 0
        and server_errors == 0
        and len(accounts) >= MAX_USERS
        and summary["logged_in"] >= USERS
        and browse["p95_ms"] < TARGET_P95_MS,
    }


def run_load(accounts: list[dict], database_url: str) -> tuple[dict | None, int]:
    """Serve with gunicorn, drive it with locust; the summary and the server errors logged."""
    with tempfile.TemporaryDirectory(prefix="ketenportal-load-") as tmp:
        tmp = Path(tmp)
        env = server_env(database_url, str(tmp / "static"))
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=127.0.0.1",
                "-keyout",
                str(tmp / "key.pem"),
                "-out",
                str(tmp / "cert.pem"),
            ],  # fmt: skip
            check=True,
            capture_output=True,
        )
        users_file, summary_file = tmp / "users.json", tmp / "summary.json"
        users_file.write_text(json.dumps(accounts))
        port = free_port()
        host = f"https://127.0.0.1:{port}"
        log_path = tmp / "gunicorn.log"
        with open(log_path, "w") as log:
            gunicorn = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "ketenportal.wsgi",
                    "--workers",
                    "2",
                    "--threads",
                    THREADS,
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--pid",
                    str(tmp / "gunicorn.pid"),
                    "--certfile",
                    str(tmp / "cert.pem"),
                    "--keyfile",
                    str(tmp / "key.pem"),
                    "--timeout",
                    "60",
                ],  # fmt: skip
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            # Logging in, the first part, and per step of the ramp its logins and its window: a
            # bound, not the expected time (locust stops itself when the ramp ends).
            run_time = SECONDS + 600 + len(RAMP) * (STAGE_SECONDS + 300)
            try:
                wait_until_up(f"{host}/health/", gunicorn)
                locust = subprocess.run(
                    [
                        str(BIN / "locust"),
                        "-f",
                        str(ROOT / "benchmarks" / "locustfile.py"),
                        "--headless",
                        "--users",
                        str(USERS),
                        "--spawn-rate",
                        "10",
                        "--run-time",
                        f"{run_time}s",
                        "--stop-timeout",
                        "10",
                        "--host",
                        host,
                        "--only-summary",
                        "--loglevel",
                        "WARNING",
                    ],  # fmt: skip
                    cwd=ROOT,
                    env={
                        **os.environ,
                        "LOAD_USERS_FILE": str(users_file),
                        "LOAD_SUMMARY_FILE": str(summary_file),
                        "LOAD_USERS": str(USERS),
                        "LOAD_SECONDS": str(SECONDS),
                        "LOAD_RAMP": ",".join(map(str, RAMP)),
                        "LOAD_STAGE_SECONDS": str(STAGE_SECONDS),
                        "LOAD_TARGET_P95_MS": str(TARGET_P95_MS),
                        "LOAD_GUNICORN_PID_FILE": str(tmp / "gunicorn.pid"),
                    },
                    capture_output=True,
                    text=True,
                    timeout=run_time + 100,
                )
            finally:
                gunicorn.send_signal(signal.SIGTERM)
                try:
                    gunicorn.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    gunicorn.kill()
        server_log = log_path.read_text()
        if not summary_file.exists():
            sys.stderr.write(locust.stdout[-3000:] + locust.stderr[-3000:] + server_log[-3000:])
            return None, 0
        # The health check answers 503 until a worker beats (there is none here): not an error
        # of the load.
        errors = [
            line
            for line in server_log.splitlines()
            if '"level": "ERROR"' in line and "/health/" not in line
        ]
        for line in errors[:5]:
            print(line[:2000], file=sys.stderr)
        return json.loads(summary_file.read_text()), len(errors)


def wait_until_up(url: str, process: subprocess.Popen) -> None:
    import ssl

    context = ssl._create_unverified_context()
    for _ in range(100):
        if process.poll() is not None:
            raise RuntimeError("gunicorn stopped at start")
        try:
            urllib.request.urlopen(url, context=context, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers (the health check may report a missing worker heartbeat)
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer")


if __name__ == "__main__":
    print(json.dumps(main()))
