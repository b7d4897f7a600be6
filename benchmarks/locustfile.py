"""Locust scenario for ``benchmarks/load_test.py``: a beheerder logs in with password and TOTP,
then browses the ketenmachtigingen overview (tabs, pages, searches), opens ketenmachtigingen and
the berichtenbox, and exports small selections, with 1 to 4 seconds between clicks.

Reads the accounts from the JSON file in ``LOAD_USERS_FILE`` and writes a summary (request
counts, failures, percentiles per kind of request) to ``LOAD_SUMMARY_FILE`` when it stops.
Run it through load_test.py, which sets up the data, the server and these variables.
"""

import hashlib
import hmac
import json
import os
import random
import re
import struct
import time

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

# Every request's time in ms and outcome, by kind ("login" or "browse"). Browsing is measured in
# a window that opens when every beheerder has logged in (logging in is deliberately slow: the
# password hash) and closes MEASURE_SECONDS later, when the run stops.
SAMPLES: dict[str, list[float]] = {"login": [], "browse": []}
BY_NAME: dict[str, list[float]] = {}
FAILURES: dict[str, list[str]] = {"login": [], "browse": []}
WINDOW: dict[str, float | None] = {"start": None, "end": None}
LOGGED_IN = {"count": 0}
ALL_LOGGED_IN = gevent.event.Event()


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
    summary["seconds"] = round(seconds, 1)
    summary["requests_per_second"] = round(len(SAMPLES["browse"]) / seconds, 1) if seconds else 0

    with open(os.environ["LOAD_SUMMARY_FILE"], "w") as fh:
        json.dump(summary, fh)


class Beheerder(HttpUser):
    wait_time = between(1, 4)

    def on_start(self):
        self.client.verify = False
        self.account = next(_next_account)
        if self.log_in():
            LOGGED_IN["count"] += 1
            if LOGGED_IN["count"] == USERS:
                self.open_window()
        # Everyone browses from the same moment, spread over the first seconds.
        ALL_LOGGED_IN.wait(timeout=600)
        gevent.sleep(random.uniform(0, 4))

    def open_window(self):
        runner = self.environment.runner

        def close():
            WINDOW["end"] = time.monotonic()
            runner.quit()

        WINDOW["start"] = time.monotonic()
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
