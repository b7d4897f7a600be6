"""Every page, form error and login step in Dutch and in English, with no text of the other
language (issue 18).

The walk renders every named URL of the site (``tests/url_walker.py``; not the Django admin,
which has Django's own complete catalogue) as an anonymous visitor, a beheerder, a gebruiker and
back-office staff, by GET and by an empty POST (which renders the forms' errors, or the message
on the page it redirects to), once in each language. The login's own steps (wrong password,
empty and wrong codes, the throttle, the lock) are walked separately. In Dutch, no English
catalogue text may show; in English, no Dutch one (``tests/i18n/catalogue.py``).
"""

import re
from collections import defaultdict
from http.cookies import SimpleCookie

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import TEST_PASSWORD, UserFactory
from tests.security.common import classify, client_for, fetch, is_inside_site, rolled_back
from tests.url_walker import named_urls, reverse_sample

from .catalogue import dutch_texts, english_texts, visible_text

pytestmark = pytest.mark.django_db

LOGIN = "/account/login/"

#: Texts of the world's own data (names, subjects): what people typed, not the portal's words.
DATA = {"Loonadministratie", "Fiscaal", "Boekhoudpakket", "Boekhouding", "Salaris"}


#: A full stop after a name that ends in one ("Accountants Alpha B.V.."): the world's
#: organisations are all called "… B.V.".
DOUBLE_STOP = re.compile(r"(?<!\.)\.\.(?!\.)")


def wrong_language(language: str, html: str) -> set[str]:
    texts = english_texts() if language == "nl" else dutch_texts()
    nodes = [n for n in visible_text(html) if n not in DATA]
    found = texts.found_in(nodes)
    found |= {f"double full stop: {n}" for n in nodes if DOUBLE_STOP.search(n)}
    return found


def is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


class Report:
    def __init__(self) -> None:
        self.found: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._seen: dict[tuple[str, str], set[str]] = {}

    def check(self, language: str, where: str, response) -> None:
        if not is_html(response):
            return
        html = response.content.decode("utf-8", "replace")
        # Many pages are the same page (a refusal, the login): look at each once.
        key = (language, re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html))
        if key not in self._seen:
            self._seen[key] = wrong_language(language, html)
        for text in self._seen[key]:
            self.found[(language, text)].add(where)

    def assert_clean(self) -> None:
        lines = [
            f"[{lang}] {text!r} on {', '.join(sorted(where)[:3])}"
            + (f" (+{len(where) - 3})" if len(where) > 3 else "")
            for (lang, text), where in sorted(self.found.items())
        ]
        assert not lines, f"{len(lines)} text(s) in the wrong language:\n  " + "\n  ".join(lines)


#: Who walks which URLs (by the access class of ``tests/security/common.classify``): each the
#: pages they may open, plus one refusal of each kind. The refusals of every other URL are the
#: same pages; the security walkers check that they are refused.
WALKS = {
    "anonymous": {"public"},
    "beheerder": {"public", "verified", "beheerder", "ketenmachtiging", "organisatie"},
    "gebruiker": {"verified"},
    "staff": {"staff"},
}
REFUSALS = {
    "anonymous": ["home"],
    "gebruiker": ["accounts:gebruikers"],
    "staff": ["accounts:gebruikers", "ketenmachtigingen:backoffice"],
    "beheerder": ["ketenmachtigingen:backoffice"],
}


def urls_for(who: str):
    for url in named_urls():
        if url.is_admin or url.name.startswith("otp_webauthn:"):
            continue  # Django's own admin; the passkey endpoints answer JSON
        if classify(url) in WALKS[who] or url.name in REFUSALS[who]:
            yield url


def walk(report: Report, client: Client, who: str, language: str, world) -> None:
    for url in urls_for(who):
        path = reverse_sample(url, world)
        for method in ("get", "post"):
            # A POST to the logout (or a password change) must not end the walk's session.
            cookies = SimpleCookie(client.cookies)
            with rolled_back():
                response = fetch(client, method, path)
                report.check(language, f"{url.name} {method.upper()} as {who}", response)
                location = response.get("Location", "")
                if (
                    method == "post"
                    and response.status_code == 302
                    and is_inside_site(location)
                    and not location.startswith(LOGIN)
                ):
                    # The message the POST left, shown on the page it redirects to.
                    after = fetch(client, "get", location)
                    report.check(language, f"{url.name} POST → {location} as {who}", after)
            client.cookies = cookies


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_page_and_form_error_is_in_one_language(world, language):
    report = Report()
    staff = UserFactory(is_staff=True, with_totp_device=True, last_name="Backoffice")
    people = {
        "beheerder": world.beheerder.user,
        "gebruiker": world.gebruiker.user,
        "staff": staff,
    }
    anonymous = Client(raise_request_exception=False)
    anonymous.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    walk(report, anonymous, "anonymous", language, world)
    for who, user in people.items():
        user.taal = language
        user.save(update_fields=["taal"])
        client = client_for(user)
        # The browser's cookie too: after a logout the login page follows it.
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        walk(report, client, who, language, world)
    report.assert_clean()


def login_steps(client: Client, language: str) -> list[tuple[str, object]]:
    """The login's pages and errors: wrong password, empty code, wrong code, throttle, lock."""
    user = UserFactory(with_totp_device=True, taal=language)
    steps = [("login page", client.get(LOGIN))]

    def password(value):
        return client.post(
            LOGIN,
            {
                "login_view-current_step": "auth",
                "auth-username": user.username,
                "auth-password": value,
            },
        )

    def token(value):
        return client.post(LOGIN, {"login_view-current_step": "token", "token-otp_token": value})

    steps.append(("empty login form", client.post(LOGIN, {"login_view-current_step": "auth"})))
    steps.append(("wrong password", password("wrong-password")))
    steps.append(("token step", password(TEST_PASSWORD)))
    steps.append(("empty code", token("")))
    steps.append(("wrong code", token("000000")))
    steps.append(("throttled code", token("000000")))
    other = UserFactory(with_totp_device=True, taal=language)
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        locked = Client()
        locked.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = locked.post(
            LOGIN,
            {
                "login_view-current_step": "auth",
                "auth-username": other.username,
                "auth-password": "x",
            },
        )
    steps.append(("locked out", response))
    return steps


@pytest.mark.parametrize("language", ["nl", "en"])
def test_login_steps_are_in_one_language(db, language):
    report = Report()
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for where, response in login_steps(client, language):
        assert response.status_code in (200, 403, 429), (where, response.status_code)
        report.check(language, where, response)
    report.assert_clean()
