"""Control characters, invalid UTF-8 and ``next`` values that are not URLs (security row 28):
a 400 or a form error, never a 500, and never a redirect off the site.

PostgreSQL cannot store a NUL in text (psycopg: "PostgreSQL text fields cannot contain NUL (0x00)
bytes"), so a search with ``?q=a%00b`` used to be a 500 there, while SQLite stores the NUL and
hides it. ``ketenportal.middleware.RejectControlCharactersMiddleware`` answers such requests with
the 400 page before any view runs. The walks assert that 400 itself, so they fail on either
database when the middleware is removed, and name every URL that would have been a 500.
"""

import re
from urllib.parse import urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp

from tests.factories import TEST_PASSWORD, UserFactory
from tests.url_walker import named_urls, reverse_sample

from .common import (
    LOGIN,
    client_for,
    describe,
    failures,
    fetch,
    is_inside_site,
    rolled_back,
    urls_of,
)

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) SecurityWalker/1.0"
LOGOUT_URLS = {"accounts:logout", "admin:logout"}
CONTROL_CHARACTERS = [*range(0x20), 0x7F]

#: Every query parameter a view of the portal reads, so that each view meets a control character
#: in the parameters it actually uses (plus a name no view knows, and ``next``).
PARAMETERS = (
    "q",
    "page",
    "tab",
    "status",
    "format",
    "stap",
    "soort",
    "kind",
    "search",
    "date_from",
    "date_to",
    "dienstverlener",
    "alle_organisaties",
    "prefix",
    "picker_id",
    "allow_algemeen",
    "scope-q",
    "fragment",
    "worker",
    "bevestigd",
    "next",
)
#: Raw query strings: NUL and other control characters in names and values, and percent-encoded
#: bytes that are not UTF-8 (Django would have turned them into U+FFFD). The searches get their
#: own query: a broken ``page`` or ``format`` would stop a view before it runs its search.
SEARCH_PARAMETERS = ("q", "search", "scope-q")
BAD_QUERIES = {
    "NUL in the searches": "&".join(
        ["x%00=1", "next=%00", *(f"{name}=a%00b" for name in SEARCH_PARAMETERS)]
    ),
    "control characters everywhere": "&".join(
        f"{name}=a%{CONTROL_CHARACTERS[i]:02X}b"
        for i, name in enumerate(p for p in PARAMETERS if p not in SEARCH_PARAMETERS)
    ),
    "invalid UTF-8": "q=%FF%FE&page=%C3&next=%C0%AF&tab=%ED%A0%80",
}


def short(name: str, method: str, who: str, response) -> str:
    """``describe`` without the Location, which repeats the long query string."""
    text = f"{name} {method.upper()} -> {response.status_code} as {who}"
    exc_info = getattr(response, "exc_info", None)
    return f"{text} raised {exc_info[1]!r}" if exc_info else text


@pytest.mark.parametrize("query", list(BAD_QUERIES), ids=list(BAD_QUERIES))
def test_control_characters_in_any_get_parameter_never_500(world, people, query):
    """Every URL pattern, GET and POST, as an anonymous visitor, as a verified EH3 beheerder and
    (back office and admin) as staff: the query string alone earns a 400, whoever asks."""
    visitors = [
        ("anonymous", lambda: client_for(), named_urls()),
        (
            "beheerder",
            lambda: client_for(world.beheerder.user),
            urls_of("public", "verified", "organisatie", "beheerder", "ketenmachtiging"),
        ),
        ("staff", lambda: client_for(people.superuser), urls_of("staff", "admin")),
    ]
    errors, others = [], []
    for who, make_client, urls in visitors:
        client = make_client()
        for url in urls:
            path = f"{reverse_sample(url, world)}?{BAD_QUERIES[query]}"
            for method in ("get", "post"):
                try:
                    with rolled_back():
                        response = fetch(client, method, path)
                except Exception as exc:  # a download that fails while it streams
                    errors.append(f"{url.name} {method.upper()} as {who} raised {exc!r}")
                    continue
                if response.status_code >= 500:
                    errors.append(short(url.name, method, who, response))
                elif response.status_code != 400:
                    others.append(short(url.name, method, who, response))
            if url.name in LOGOUT_URLS:
                client = make_client()  # in case the logout went through
    assert not errors + others, failures(errors + others)


#: The lists and searches, with the person who may open them.
SEARCHES = {
    "accounts:gebruikers": "beheerder",
    "accounts:overige_wijzigingen": "beheerder",
    "groepen:lijst": "beheerder",
    "groepen:leden": "beheerder",
    "diensten:catalogus": "beheerder",
    "diensten:picker": "beheerder",
    "berichtenbox:lijst": "beheerder",
    "ketenmachtigingen:van_relaties": "beheerder",
    "ketenmachtigingen:export": "beheerder",
    "ketenmachtigingen:afgegeven": "beheerder",
    "ketenmachtigingen:nieuw": "beheerder",
    "ketenmachtigingen:backoffice": "staff",
}


def test_lists_and_searches_answer_400_to_a_nul_in_q(world, people):
    """The 400 page is a page of the portal: in the person's language, with the headers of every
    other page (the middleware sits after the language, header and no-store middleware)."""
    for user in (world.beheerder.user, people.superuser):
        user.taal = "en"
        user.save(update_fields=["taal"])
    clients = {
        "beheerder": client_for(world.beheerder.user),
        "staff": client_for(people.superuser),
    }
    urls = {u.name: u for u in named_urls()}
    problems = []
    for name, who in SEARCHES.items():
        path = reverse_sample(urls[name], world)
        try:
            with rolled_back():
                response = fetch(clients[who], "get", path, {"q": "a\x00b"})
        except Exception as exc:  # a download that fails while it streams
            problems.append(f"{name} GET raised {exc!r}")
            continue
        body = response.body.decode()
        ok = (
            response.status_code == 400
            and '<html lang="en"' in body
            and "Invalid request" in body
            and response.get("X-Frame-Options") == "DENY"
            and "Content-Security-Policy" in response
            and "no-store" in response.get("Cache-Control", "")
        )
        if not ok:
            problems.append(describe(name, "get", response))
        # The same search without the NUL works: the refusal is about the character.
        response = fetch(clients[who], "get", path, {"q": "ab"})
        if response.status_code >= 400:
            problems.append(describe(name, "get without NUL", response))
    assert not problems, failures(problems)


@pytest.mark.parametrize("code", CONTROL_CHARACTERS, ids=lambda c: f"U+{c:04X}")
def test_each_control_character_is_refused_in_names_values_and_the_path(code):
    client = client_for()
    for path in (
        f"{LOGIN}?q=a%{code:02X}b",
        f"{LOGIN}?a%{code:02X}b=1",
        f"/groepen/a%{code:02X}b/",
    ):
        response = client.get(path)
        assert response.status_code == 400, describe(path, "get", response)
        assert '<html lang="nl"' in response.content.decode()


@pytest.mark.parametrize("query", ["q=%FF", "q=%C3", "q=%ED%A0%80", "q=%C0%AF", "%FE=1"])
def test_invalid_utf8_in_the_query_string_is_refused(query):
    response = client_for().get(f"{LOGIN}?{query}")
    assert response.status_code == 400, describe(query, "get", response)


def test_ordinary_text_passes_the_middleware():
    """Accents, euro signs, spaces, percent signs and a (valid) U+FFFD are no reason to refuse."""
    query = urlencode({"q": "Café € B.V. 100% \ufffd", "page": "1", "next": "/profiel/"})
    assert client_for().get(f"{LOGIN}?{query}").status_code == 200


def test_djangos_own_400_renders_the_400_page(world, settings):
    """Django's handler400 renders 400.html without a request (here: too many fields)."""
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    client = client_for(world.beheerder.user)
    query = "&".join(f"f{i}=1" for i in range(20))
    response = client.get(f"{reverse('groepen:lijst')}?{query}")
    assert response.status_code == 400
    assert "utrecht-heading-1" in response.content.decode()


# --- Form data --------------------------------------------------------------------------------

FIELD_NAMES = re.compile(rb'<(?:input|select|textarea)\b[^>]*?\bname="([^"]+)"')


def test_a_nul_in_any_form_field_never_500(world, people):
    """POST a NUL in every field of each page's own form (the names read from the page). No text
    column can store a NUL, and some views read a value straight from ``request.POST``."""
    visitors = [
        ("anonymous", lambda: client_for(), urls_of("public")),
        (
            "beheerder",
            lambda: client_for(world.beheerder.user),
            urls_of("public", "verified", "organisatie", "beheerder", "ketenmachtiging"),
        ),
        ("staff", lambda: client_for(people.staff), urls_of("staff")),
    ]
    problems = []
    for who, make_client, urls in visitors:
        client = make_client()
        for url in urls:
            path = reverse_sample(url, world)
            with rolled_back():
                page = fetch(client, "get", path)
                names = {n.decode() for n in FIELD_NAMES.findall(page.body)}
                names = (names - {"csrfmiddlewaretoken"}) or {"naam", "next"}
                response = fetch(client, "post", path, {name: "a\x00b" for name in names})
            if response.status_code != 400:
                problems.append(short(url.name, "post", who, response))
            if url.name in LOGOUT_URLS:
                client = make_client()
    assert not problems, failures(problems)


@pytest.mark.parametrize("field", ["auth-username", "auth-password"])
def test_control_characters_in_the_login_form_never_500(field):
    """A NUL in the username or password is a 400 (django-axes would look the username up); a
    tab or an escape character is an ordinary wrong login, a form error."""
    user = UserFactory(with_totp_device=True)
    client = client_for(HTTP_USER_AGENT=BROWSER)
    data = {
        "login_view-current_step": "auth",
        "auth-username": user.username,
        "auth-password": TEST_PASSWORD,
    }
    response = client.post(LOGIN, {**data, field: f"{data[field]}\x00"})
    assert response.status_code == 400
    for character in "\t\x1b\x7f":  # inside the value: the username field strips its ends
        value = f"{data[field][:2]}{character}{data[field][2:]}"
        response = client.post(LOGIN, {**data, field: value})
        assert response.status_code == 200, describe(LOGIN, "post", response)
        assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


# --- next= values that are not URLs -----------------------------------------------------------

NOT_URLS = [
    "\x00",
    "\x00/profiel/",
    "/profiel/\x00",
    "\x01//evil.example",
    "\t//evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "////evil.example",
    "/\\/evil.example",
    "http://[",
    "https://[::1",
    "http:///evil.example",
    "http://evil.example:99999999/",
    "//evil.example%2f%2e%2e",
    "%00",
    "%0d%0aSet-Cookie:%20x=1",
    "\u2028//evil.example",
    "\ufeff//evil.example",
    "/" + "a" * 10_000,
    "https://evil.example/" + "a" * 10_000,
    " ",
    "?",
    "#",
    "abc",
    "home",
    "accounts:logout",
    "profiel/",
    "./profiel/",
    "../../admin/",
]


def current_totp(user) -> str:
    device = user.totpdevice_set.get()
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def refused_by_middleware(value: str, *, in_query: bool) -> bool:
    """Whether the request carrying ``value`` is a 400 before any view runs."""
    if "\x00" in value:
        return True
    return in_query and any(ord(c) in CONTROL_CHARACTERS for c in value)


def relative_reference(location: str) -> bool:
    """A relative reference ("abc", "?", "#x", "./x", "../x"), which the browser resolves against
    the page's own URL: on this site. Django's own set_language and admin logout pass such a
    ``next`` on as it is."""
    if location.startswith(("/", "\\")) or any(c in location for c in "\\\t\r\n"):
        return False
    parts = urlsplit(location)
    return not parts.scheme and not parts.netloc


def check(what: str, response, problems: list[str], *, refused: bool, relative=False) -> None:
    """A 400 when the middleware refuses the value; otherwise an answer of the view, and a
    redirect to a path on this site (or, with ``relative``, a relative reference)."""
    status = response.status_code
    if refused:
        ok = status == 400
    elif status == 302:
        location = response["Location"]
        ok = is_inside_site(location) or (relative and relative_reference(location))
    else:
        ok = status == 200
    if not ok:
        problems.append(f"{describe(what, response.request['REQUEST_METHOD'], response)}")


def log_in(value: str, *, in_query: bool, has_device: bool, problems: list[str]) -> None:
    user = UserFactory(with_totp_device=has_device)
    client = Client(HTTP_USER_AGENT=BROWSER, raise_request_exception=False)
    url = f"{LOGIN}?{urlencode({'next': value})}" if in_query else LOGIN
    refused = refused_by_middleware(value, in_query=in_query)
    where = "query and form" if in_query else "form"
    check(f"login ({where})", client.get(url), problems, refused=refused and in_query)
    auth = {
        "login_view-current_step": "auth",
        "auth-username": user.username,
        "auth-password": TEST_PASSWORD,
        "next": value,
    }
    response = client.post(url, auth)
    check(f"login, password step ({where})", response, problems, refused=refused)
    if has_device:
        token = {
            "login_view-current_step": "token",
            "token-otp_token": current_totp(user),
            "next": value,
        }
        response = client.post(url, token)
        check(f"login, token step ({where})", response, problems, refused=refused)
    if not refused and not (response.status_code == 302 and client.session.get("_auth_user_id")):
        problems.append(f"login ({where}, device={has_device}) did not log in: {response}")


@pytest.mark.parametrize("value", NOT_URLS, ids=lambda v: repr(v[:30]))
def test_next_values_that_are_not_urls_never_500(world, people, value):
    """The login (GET, and POST with valid credentials, with and without a device), the token
    step and every other view that reads ``next``: a 400 when the value holds a NUL (or a control
    character in the query string), else the value is ignored and the person lands inside the
    site, never on a 500."""
    problems: list[str] = []
    for in_query in (True, False):
        log_in(value, in_query=in_query, has_device=True, problems=problems)
    log_in(value, in_query=False, has_device=False, problems=problems)

    # The token step of a password-only session, and the same page once verified.
    user = UserFactory(with_totp_device=True)
    client = client_for(user, verified=False)
    verify = f"{reverse('accounts:verify')}?{urlencode({'next': value})}"
    refused = refused_by_middleware(value, in_query=True)
    check("verify", client.get(verify), problems, refused=refused)
    response = client.post(verify, {"token": current_totp(user), "next": value})
    check("verify", response, problems, refused=refused)
    check("verify, once verified", client.get(verify), problems, refused=refused)

    # The views that read ``next`` from the form (tests/security/test_requests.py lists them).
    refused = refused_by_middleware(value, in_query=False)
    client = client_for(world.beheerder.user)
    # Django's own views: set_language and the admin's logout (relative references allowed).
    django_views = [
        ("taal", client, reverse("accounts:taal"), {"language": "nl"}),
        ("taal anonymous", client_for(), reverse("accounts:taal"), {"language": "nl"}),
        ("admin:logout", client_for(people.superuser), reverse("admin:logout"), {}),
    ]
    for name, poster, path, data in django_views:
        response = poster.post(path, {**data, "next": value})
        check(name, response, problems, refused=refused, relative=True)
    # Ours: only a path on this site.
    posts = [
        (
            "organisatie_switch",
            client,
            reverse("accounts:organisatie_switch"),
            {"organisatie": world.organisatie.pk},
        ),
        (
            "gebruiker_verwijder",
            client,
            reverse(
                "ketenmachtigingen:gebruiker_verwijder", args=[world.km.pk, world.gebruiker.pk]
            ),
            {},
        ),
        (
            "groep_verwijder",
            client,
            reverse("ketenmachtigingen:groep_verwijder", args=[world.km.pk, world.groep.pk]),
            {},
        ),
        ("logout", client_for(world.beheerder.user), reverse("accounts:logout"), {}),
    ]
    for name, poster, path, data in posts:
        with rolled_back():
            response = poster.post(path, {**data, "next": value})
        check(name, response, problems, refused=refused)
    # Enrolment sends a person who has a device on, to ``next`` if it is inside the site.
    response = client.get(reverse("two_factor:setup"), {"next": value})
    check(
        "two_factor:setup", response, problems, refused=refused_by_middleware(value, in_query=True)
    )
    assert not problems, failures(problems)
