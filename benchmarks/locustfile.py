"""Locust scenario for ``benchmarks/load_test.py``: a beheerder logs in with password and TOTP,
then opens the home page, browses the ketenmachtigingen overview (tabs, pages, searches), opens
ketenmachtigingen and the berichtenbox, and exports small selections, with 1 to 4 seconds
between clicks.

Two parts, one run:
1. ``LOAD_USERS`` beheerders log in, then browse for ``LOAD_SECONDS``: the measured window of
   the load test (p95 target).
2. The capacity ramp (``LOAD_RAMP``, e.g. "75,100,150"): the number of beheerders goes up step
   by step; each step's new beheerders log in, then the step is measured for
   ``LOAD_STAGE_SECONDS``. The ramp stops at the first step whose browsing p95 passes
   ``LOAD_TARGET_P95_MS`` or that has errors; the peak is the highest request rate of a step
   that held.

Reads the accounts from the JSON file in ``LOAD_USERS_FILE`` and writes a summary (request
counts, failures, percentiles per kind of request, the ramp's steps) to ``LOAD_SUMMARY_FILE``
when it stops. Run it through load_test.py, which sets up the data, the server and these
variables.
"""

import hashlib
import hmac
import json
import os
import random
import re
import struct
import time
from pathlib import Path

import gevent
import gevent.event
import urllib3
from locust import HttpUser, between, events, task

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # self-signed loopback cert

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
OVERVIEW = "/ketenmachtigingen/van-relaties/"
TABS = ("actief", "wachtend", "acties", "verlopen", "historie")
SEARCHES = ("jansen", "bakker", "de vries", "relatie 12", "KM-S", "3000")

with open(os.environ["LOAD_USERS_FILE"]) as fh:
    ACCOUNTS = json.load(fh)
_next_account = iter(ACCOUNTS)

USERS = int(os.environ.get("LOAD_USERS", len(ACCOUNTS)))
MEASURE_SECONDS = float(os.environ.get("LOAD_SECONDS", 60))
RAMP = [int(n) for n in os.environ.get("LOAD_RAMP", "").split(",") if n.strip()]
STAGE_SECONDS = float(os.environ.get("LOAD_STAGE_SECONDS", 30))
TARGET_P95_MS = float(os.environ.get("LOAD_TARGET_P95_MS", 300))
#: New beheerders per second while a step of the ramp logs them in.
SPAWN_RATE = float(os.environ.get("LOAD_SPAWN_RATE", 10))
#: How long a step may take to log its beheerders in before the ramp gives up.
LOGIN_TIMEOUT = 300

# Every request's time in ms and outcome, by kind ("login" or "browse"). Browsing is measured in
# a window that opens when every beheerder has logged in (logging in is deliberately slow: the
# password hash) and closes MEASURE_SECONDS later, when the run stops.
SAMPLES: dict[str, list[float]] = {"login": [], "browse": []}
BY_NAME: dict[str, list[float]] = {}
FAILURES: dict[str, list[str]] = {"login": [], "browse": []}
WINDOW: dict[str, float | None] = {"start": None, "end": None}
WINDOW_CPU: dict[str, dict | None] = {"start": None}
#: gunicorn's pid file, to count the web server's CPU per step (``cpu_snapshot``).
GUNICORN_PID_FILE = os.environ.get("LOAD_GUNICORN_PID_FILE", "")
LOGGED_IN = {"count": 0, "failed": 0}
ALL_LOGGED_IN = gevent.event.Event()
# The ramp: the step being measured collects its browsing requests here (ms, failed or not).
STEP: dict[str, list | None] = {"samples": None}
STEPS: list[dict] = []


def totp(key_hex: str, at: float | None = None) -> str:
    """RFC 6238: six digits, 30-second steps, HMAC-SHA1 (as django-otp's TOTPDevice)."""
    counter = int((at or time.time()) // 30)
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


@events.request.add_listener
def record(request_type, name, response_time, response_length, exception, **kwargs):
    kind = "login" if name.startswith("login") else "browse"
    if kind == "browse" and STEP["samples"] is not None:
        STEP["samples"].append((response_time, exception is not None))
    if kind == "browse" and (WINDOW["start"] is None or WINDOW["end"] is not None):
        return
    SAMPLES[kind].append(response_time)
    BY_NAME.setdefault(name, []).append(response_time)
    if exception is not None:
        FAILURES[kind].append(f"{name}: {exception}")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * fraction))], 1)


@events.quitting.add_listener
def write_summary(environment, **kwargs):
    if WINDOW["start"] is None:
        seconds = 0.0
    else:
        seconds = (WINDOW["end"] or time.monotonic()) - WINDOW["start"]
    summary = {}
    for kind, values in SAMPLES.items():
        summary[kind] = {
            "requests": len(values),
            "failures": len(FAILURES[kind]),
            "failure_examples": FAILURES[kind][:5],
            "median_ms": percentile(values, 0.5),
            "p95_ms": percentile(values, 0.95),
            "p99_ms": percentile(values, 0.99),
            "max_ms": round(max(values), 1) if values else 0.0,
        }
    summary["by_name"] = {
        name: {"requests": len(v), "median_ms": percentile(v, 0.5), "p95_ms": percentile(v, 0.95)}
        for name, v in sorted(BY_NAME.items())
    }
    summary["logged_in"] = LOGGED_IN["count"]
    summary["login_failures"] = LOGGED_IN["failed"]
    summary["ramp"] = STEPS
    held = [step for step in STEPS if step["held"]]
    summary["peak_requests_per_second"] = max((s["requests_per_second"] for s in held), default=0)
    summary["peak_users"] = max((s["users"] for s in held), default=0)
    summary["seconds"] = round(seconds, 1)
    summary["requests_per_second"] = round(len(SAMPLES["browse"]) / seconds, 1) if seconds else 0

    with open(os.environ["LOAD_SUMMARY_FILE"], "w") as fh:
        json.dump(summary, fh)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_stat(pid: int | str) -> tuple[str, int, float, float] | None:
    """(command, parent pid, own CPU seconds, reaped children's CPU seconds) of a process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    command = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    own = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    children = (int(fields[13]) + int(fields[14])) / CLOCK_TICKS
    return command, int(fields[1]), own, children


def cpu_snapshot() -> dict[str, float] | None:
    """CPU seconds used so far by the web server (gunicorn's master and workers), PostgreSQL
    (every postgres process), this load generator, and the whole machine (busy and all), read
    from /proc: where a step's CPU went. None where /proc is not there."""
    if not Path("/proc/stat").exists():
        return None
    master = int(Path(GUNICORN_PID_FILE).read_text()) if GUNICORN_PID_FILE else 0
    web = postgres = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _proc_stat(entry.name)
        if stat is None:
            continue
        command, parent, own, children = stat
        pid = int(entry.name)
        if pid == master:
            web += own + children  # the workers that ended are in its children's time
        elif master and parent == master:
            web += own
        elif command == "postgres":
            postgres += own + children  # the postmaster's children: backends that ended
    busy, total = 0, 0
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("cpu "):
            values = [int(v) for v in line.split()[1:]]
            idle = values[3] + values[4]  # idle and iowait
            total, busy = sum(values[:8]), sum(values[:8]) - idle
            break
    own_stat = _proc_stat(os.getpid())
    return {
        "web": web,
        "postgres": postgres,
        "load_generator": own_stat[2] if own_stat else 0.0,
        "machine_busy": busy / CLOCK_TICKS,
        "machine_total": total / CLOCK_TICKS,
    }


def cpu_split(before: dict | None, after: dict | None, requests: int) -> dict | None:
    """A step's CPU: milliseconds per browsing request of the web server, PostgreSQL and the
    load generator, and how busy the machine's cores were (percent)."""
    if not before or not after or not requests:
        return None
    used = {key: after[key] - before[key] for key in after}
    return {
        "web_ms_per_request": round(1000 * used["web"] / requests, 1),
        "postgres_ms_per_request": round(1000 * used["postgres"] / requests, 1),
        "load_generator_ms_per_request": round(1000 * used["load_generator"] / requests, 1),
        "machine_busy_percent": round(100 * used["machine_busy"] / used["machine_total"], 1)
        if used["machine_total"]
        else None,
    }


def step_summary(
    users: int,
    seconds: float,
    times: list[float],
    failures: int,
    *,
    first_part: bool = False,
    cpu: dict | None = None,
) -> dict:
    """A step of the ramp: its rate and percentiles; it held when every beheerder logged in,
    nothing failed and the p95 stayed within the target."""
    logged_in = LOGGED_IN["count"]
    step = {
        "users": users,
        "first_part": first_part,
        "logged_in": logged_in,
        "login_failures": LOGGED_IN["failed"],
        "seconds": round(seconds, 1),
        "requests": len(times),
        "requests_per_second": round(len(times) / seconds, 1) if seconds else 0,
        "failures": failures,
        "median_ms": percentile(times, 0.5),
        "p95_ms": percentile(times, 0.95),
        "p99_ms": percentile(times, 0.99),
        "cpu": cpu,
    }
    step["held"] = (
        failures == 0
        and LOGGED_IN["failed"] == 0
        and logged_in >= users
        and step["p95_ms"] <= TARGET_P95_MS
    )
    return step


def ramp(runner) -> None:
    """The capacity ramp: more beheerders step by step, each step measured once all of its
    beheerders have logged in, until a step's p95 passes the target or it has errors."""
    try:
        for users in RAMP:
            if users <= LOGGED_IN["count"]:
                continue
            runner.start(users, spawn_rate=SPAWN_RATE)
            deadline = time.monotonic() + LOGIN_TIMEOUT
            while LOGGED_IN["count"] + LOGGED_IN["failed"] < users:
                if time.monotonic() > deadline:
                    break
                gevent.sleep(0.5)
            gevent.sleep(5)  # the new beheerders' first clicks, spread as in the first part
            STEP["samples"] = samples = []
            start, cpu_before = time.monotonic(), cpu_snapshot()
            gevent.sleep(STAGE_SECONDS)
            seconds = time.monotonic() - start
            STEP["samples"] = None
            times = [ms for ms, _ in samples]
            failures = sum(1 for _, failed in samples if failed)
            cpu = cpu_split(cpu_before, cpu_snapshot(), len(times))
            step = step_summary(users, seconds, times, failures, cpu=cpu)
            STEPS.append(step)
            if not step["held"]:
                break
    finally:
        runner.quit()


class Beheerder(HttpUser):
    wait_time = between(1, 4)

    def on_start(self):
        self.client.verify = False
        self.account = next(_next_account)
        first_part = LOGGED_IN["count"] + LOGGED_IN["failed"] < USERS
        if self.log_in():
            LOGGED_IN["count"] += 1
            if LOGGED_IN["count"] == USERS:
                self.open_window()
        else:
            LOGGED_IN["failed"] += 1
        if first_part:
            # The first part's beheerders browse from the same moment, spread over 4 seconds.
            ALL_LOGGED_IN.wait(timeout=600)
        gevent.sleep(random.uniform(0, 4))

    def open_window(self):
        runner = self.environment.runner

        def close():
            WINDOW["end"] = time.monotonic()
            # The first part is the ramp's first step.
            seconds = WINDOW["end"] - WINDOW["start"]
            times = SAMPLES["browse"]
            cpu = cpu_split(WINDOW_CPU["start"], cpu_snapshot(), len(times))
            STEPS.append(
                step_summary(
                    USERS, seconds, times, len(FAILURES["browse"]), first_part=True, cpu=cpu
                )
            )
            if RAMP and STEPS[-1]["held"]:
                gevent.spawn(ramp, runner)
            else:
                runner.quit()

        WINDOW["start"] = time.monotonic()
        WINDOW_CPU["start"] = cpu_snapshot()
        ALL_LOGGED_IN.set()
        gevent.spawn_later(MEASURE_SECONDS, close)

    def post_form(self, path: str, page_html: str, data: dict, **kwargs):
        """POST a form of ``page_html`` with its CSRF token, as a browser would."""
        token = CSRF_RE.search(page_html)
        return self.client.post(
            path,
            data={"csrfmiddlewaretoken": token.group(1) if token else "", **data},
            headers={"Referer": f"{self.host}{path}"},
            **kwargs,
        )

    def log_in(self) -> bool:
        path = "/account/login/"
        page = self.client.get(path, name="login: page")
        credentials = {
            "login_view-current_step": "auth",
            "auth-username": self.account["username"],
            "auth-password": self.account["password"],
        }
        step = self.post_form(path, page.text, credentials, name="login: password")
        code = {"login_view-current_step": "token", "token-otp_token": totp(self.account["totp"])}
        with self.post_form(
            path, step.text, code, name="login: code", catch_response=True
        ) as response:
            if "/account/login/" in response.url:
                response.failure("still on the login page after the code")
                return False
            return True

    def browse(self, path: str, params: dict | None = None, *, name: str):
        with self.client.get(path, params=params, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif "/account/login/" in response.url:
                response.failure("logged out")

    @task(2)
    def home(self):
        self.browse("/", name="home")

    @task(6)
    def overview_tab(self):
        self.browse(OVERVIEW, {"tab": random.choice(TABS)}, name="overview tab")

    @task(2)
    def overview_page(self):
        self.browse(
            OVERVIEW, {"tab": "actief", "page": random.randint(2, 10)}, name="overview page"
        )

    @task(3)
    def search(self):
        params = {"tab": random.choice(TABS), "q": random.choice(SEARCHES)}
        self.browse(OVERVIEW, params, name="overview search")

    @task(2)
    def detail(self):
        pk = random.choice(self.account["ketenmachtigingen"])
        self.browse(f"{OVERVIEW}{pk}/", name="ketenmachtiging")

    @task(1)
    def berichtenbox(self):
        self.browse("/berichtenbox/", name="berichtenbox")

    @task(1)
    def export_selection(self):
        # A small selection: the relaties whose name holds a three-digit number (about 100).
        params = {
            "tab": "actief",
            "q": f"{random.choice(['jansen', 'bakker', 'de vries'])} {random.randint(100, 999)}",
            "format": random.choice(["csv", "xlsx"]),
        }
        self.browse(f"{OVERVIEW}export/", params, name=f"export {params['format']}")
