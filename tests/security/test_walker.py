"""One walk over every named URL pattern (project, two-factor, admin), GET and POST, per kind of
visitor: anonymous, password-only, and each role and level (security rows 1, 2, 4 and 5).

Every URL is classified by the rule it must enforce (see ``common.classify``); a URL without a
class or without sample arguments fails here, so no new page escapes the walkers.
"""

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.url_walker import PUBLIC, named_urls, reverse_sample, sample_kwargs

from .common import (
    ANY_VERIFIED_USER,
    CLASSES,
    LOGIN,
    classify,
    client_for,
    describe,
    failures,
    fetch,
    location_path,
    redirects_to_login,
    rolled_back,
    urls_of,
)

pytestmark = pytest.mark.django_db

#: Views a password-only session (password checked, second factor not yet passed) may open.
SECOND_FACTOR_EXEMPT = {
    "accounts:verify": "the token step itself",
    "accounts:logout": "a person must be able to give up half-way through logging in",
}
#: Views a password-only session may open only while the person has no device at all.
ENROLMENT_VIEWS = {
    "two_factor:setup": "a person without any device sets up their first one here",
    "two_factor:qr": "the QR code shown on that setup page",
}
#: Public views that send an anonymous visitor on to the login page by design.
PUBLIC_LOGIN_REDIRECTS = {
    "admin:login": "the admin has no login form of its own: everyone uses the two-factor login",
}
ADMIN_LOGIN = reverse("admin:login")
ADMIN_INDEX = reverse("admin:index")
METHODS = ("get", "post")


def walk(client, urls, world, methods=METHODS):
    """Request each URL (with its sample arguments) by each method, each in a rolled-back
    savepoint so the walk always sees the same world."""
    for url in urls:
        path = reverse_sample(url, world)
        for method in methods:
            with rolled_back():
                response = fetch(client, method, path)
            yield url, method, response


# --- Row 5: every pattern has a sample and a class --------------------------------------------


def check_samples(world) -> None:
    missing = [f"{u.name} ({u.route})" for u in named_urls() if sample_kwargs(u, world) is None]
    assert not missing, f"add sample arguments to tests/url_walker.py SAMPLES for: {missing}"


def check_classified() -> None:
    unclassified = [f"{u.name} ({u.route})" for u in named_urls() if classify(u) is None]
    assert not unclassified, (
        "classify this new URL: give its view an access mixin of accounts.mixins, or add it "
        f"with a reason to ANY_VERIFIED_USER / PUBLIC: {unclassified}"
    )


def test_every_pattern_has_a_sample(world):
    check_samples(world)


def test_every_url_is_classified():
    check_classified()


def test_allowlists_name_existing_urls_without_a_stricter_rule():
    names = {u.name: u for u in named_urls()}
    for allowlist in (ANY_VERIFIED_USER, SECOND_FACTOR_EXEMPT, ENROLMENT_VIEWS, PUBLIC):
        stale = set(allowlist) - set(names)
        assert not stale, f"remove these from the allowlist, the URLs are gone: {stale}"
    # An allowlisted view that gained a mixin must leave the allowlist (it is no longer "any
    # verified user"); the mixin's class is checked instead.
    wrong = [n for n in ANY_VERIFIED_USER if classify(names[n]) != "verified"]
    assert not wrong, wrong


def test_public_views_are_exactly_the_allowlist():
    public = {u.name for u in named_urls() if not getattr(u.callback, "login_required", True)}
    assert public == PUBLIC


def test_every_class_has_urls():
    """The class walkers below are not vacuous."""
    found = {classify(u) for u in named_urls()}
    # No view uses OrganisatieRequiredMixin on its own today; its rule is walked all the same.
    assert set(CLASSES) - {"organisatie"} <= found <= set(CLASSES), found


def test_a_new_pattern_without_sample_or_class_fails_the_walkers(world, settings):
    settings.ROOT_URLCONF = "tests.security.urls_new_pattern"
    assert "nieuwe_pagina" in {u.name for u in named_urls()}
    with pytest.raises(AssertionError, match="nieuwe_pagina"):
        check_samples(world)
    with pytest.raises(AssertionError, match="nieuwe_pagina"):
        check_classified()
    url = next(u for u in named_urls() if u.name == "nieuwe_pagina")
    with pytest.raises(AssertionError, match="no sample arguments"):
        reverse_sample(url, world)


# --- Row 1: anonymous -------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_login(world):
    client = client_for()
    problems = []
    for url, method, response in walk(client, named_urls(), world):
        if url.name in PUBLIC:
            to_login = redirects_to_login(response) and url.name not in PUBLIC_LOGIN_REDIRECTS
            if to_login or response.status_code >= 500:
                problems.append(describe(url.name, method, response) + " (public)")
        elif not redirects_to_login(response):
            problems.append(describe(url.name, method, response))
    assert not problems, failures(problems)


# --- Row 2: password only ---------------------------------------------------------------------


def test_second_factor_exemptions_are_the_documented_ones():
    markers = {u.name: getattr(u.callback, "second_factor", "required") for u in named_urls()}
    assert {n for n, m in markers.items() if m == "exempt"} == set(SECOND_FACTOR_EXEMPT)
    assert {n for n, m in markers.items() if m == "enrolment"} == set(ENROLMENT_VIEWS)


@pytest.mark.parametrize("has_device", [True, False], ids=["with-device", "without-device"])
def test_password_only_session_is_sent_to_the_token_step(world, has_device):
    # Staff, superuser and beheerder of A: the second factor is the only thing in the way.
    user = UserFactory(with_totp_device=has_device, is_staff=True, is_superuser=True)
    world.organisatie.lidmaatschappen.create(user=user, rol="beheerder")
    client = client_for(user, verified=False)
    target = reverse("accounts:verify") if has_device else reverse("two_factor:setup")
    exempt = set(SECOND_FACTOR_EXEMPT) | (set() if has_device else set(ENROLMENT_VIEWS))
    problems = []
    urls = [u for u in named_urls() if u.name not in PUBLIC | exempt]
    for url, method, response in walk(client, urls, world):
        if response.status_code != 302 or location_path(response) != target:
            problems.append(describe(url.name, method, response))
    assert not problems, failures(problems)
    # The exempt views are open to this session: the token step, or the enrolment pages ...
    for name in sorted(exempt - {"accounts:logout"}):
        response = fetch(client, "get", reverse(name))
        assert response.status_code < 500, describe(name, "get", response)
        assert not redirects_to_login(response), describe(name, "get", response)
    if has_device:
        assert fetch(client, "get", reverse("accounts:verify")).status_code == 200
    else:
        assert fetch(client, "get", reverse("two_factor:setup")).status_code == 200
    # ... and logging out ends it.
    response = fetch(client, "post", reverse("accounts:logout"))
    assert response.status_code == 302
    assert redirects_to_login(fetch(client, "get", reverse("home")))


# --- Row 4: roles and levels ------------------------------------------------------------------


def refused(client, urls, world, methods=METHODS) -> list[str]:
    return [
        describe(url.name, method, response)
        for url, method, response in walk(client, urls, world, methods)
        if response.status_code != 403
    ]


def let_in(client, urls, world, methods=("get",)) -> list[str]:
    """Problems when ``client`` is kept out: a 403, a login or token redirect, or a 500."""
    problems = []
    for url, method, response in walk(client, urls, world, methods):
        kept_out = response.status_code == 403 or redirects_to_login(response)
        kept_out |= location_path(response) in (reverse("accounts:verify"), ADMIN_LOGIN)
        if kept_out or response.status_code >= 500:
            problems.append(describe(url.name, method, response))
    return problems


def test_gebruiker_is_refused_beheerder_and_ketenmachtiging_urls(world):
    urls = urls_of("beheerder", "ketenmachtiging")
    client = client_for(world.gebruiker.user)
    problems = refused(client, urls, world)
    assert not problems, failures(problems)


def test_member_of_no_organisation_is_refused_organisation_urls(world, people):
    urls = urls_of("organisatie", "beheerder", "ketenmachtiging")
    problems = refused(client_for(people.zonder_organisatie), urls, world)
    assert not problems, failures(problems)


@pytest.mark.parametrize("who", ["laag", "alleen_bd"], ids=["eh2plus", "belastingdienst-only"])
def test_beheerder_below_eh3_or_belastingdienst_only_is_refused_ketenmachtiging_urls(
    world, people, who
):
    client = client_for(getattr(people, who))
    problems = refused(client, urls_of("ketenmachtiging"), world)
    assert not problems, failures(problems)
    # The same person is a beheerder: the refusal is about the level, not the role.
    problems = let_in(client, urls_of("beheerder"), world)
    assert not problems, failures(problems)


def test_eh3_beheerder_is_let_into_every_page_of_the_portal(world):
    urls = urls_of("verified", "organisatie", "beheerder", "ketenmachtiging")
    problems = let_in(client_for(world.beheerder.user), urls, world)
    assert not problems, failures(problems)


def test_non_staff_is_refused_staff_urls_and_the_admin(world):
    client = client_for(world.beheerder.user)
    problems = refused(client, urls_of("staff"), world)
    allowed_redirects = {ADMIN_LOGIN, LOGIN}
    for url, method, response in walk(client, urls_of("admin"), world):
        target = location_path(response)
        if url.name == "admin:logout":
            allowed_redirects_here = allowed_redirects | {ADMIN_INDEX}
        else:
            allowed_redirects_here = allowed_redirects
        ok = response.status_code in (403, 404, 405) or (
            response.status_code == 302 and target in allowed_redirects_here
        )
        if not ok:
            problems.append(describe(url.name, method, response))
    assert not problems, failures(problems)


def test_staff_is_let_into_the_back_office(world, people):
    problems = let_in(client_for(people.staff), urls_of("staff"), world, methods=METHODS)
    assert not problems, failures(problems)


def test_admin_pages_answer_staff_without_errors(world, people):
    """200, a redirect inside the admin or a 404 (a sample object may not exist); 403 where the
    ModelAdmin refuses the action itself (the audit trail and login history are read-only, the
    autocomplete needs parameters the sample does not have); 405 for the POST-only logout."""
    client = client_for(people.superuser)
    problems = []
    for url, method, response in walk(client, urls_of("admin"), world, methods=("get",)):
        sent_away = location_path(response) in (ADMIN_LOGIN, LOGIN, reverse("accounts:verify"))
        if response.status_code >= 500 or sent_away:
            problems.append(describe(url.name, method, response))
    assert not problems, failures(problems)
