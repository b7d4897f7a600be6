"""Every named URL pattern of the project, with sample arguments to reverse it.

The security tests walk this list. A pattern with arguments but without an entry in ``SAMPLES``
fails ``test_every_pattern_has_a_sample``, so no page escapes the walkers.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Views open to anyone (Django's ``login_not_required``). Everything else needs a verified
# second factor.
PUBLIC = {
    "two_factor:login",
    # EH4 certificate login: logs in only with a certificate from the trusted TLS proxy
    # (tests/accounts/test_certificaat.py, tests/security/test_certificaat.py).
    "accounts:certificaat_login",
    # Passkey as the second factor of a login in progress: only for the person who has just
    # entered the right password (tests/accounts/test_passkeys.py); the library's texts.
    "otp_webauthn:credential-authentication-begin",
    "otp_webauthn:credential-authentication-complete",
    "otp_webauthn:js-i18n-catalog",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    "accounts:username_recovery",
    "accounts:username_recovery_done",
    "accounts:taal",
    "health",
    "security_txt",
    "admin:login",
    # The personal link of an invitation (issue 15): its token is the key; a wrong one is a 404.
    "goedkeuring:start",
    "goedkeuring:code_sturen",
    "goedkeuring:code",
    "goedkeuring:goedkeuren",
    "goedkeuring:afwijzen",
    "goedkeuring:formulier",
    "goedkeuring:klaar",
}


# URLs of the ketenmachtiging module that need no subscription (tests/security/
# test_abonnement_gate.py): every other URL of ``ketenmachtigingen:`` sits behind the
# subscription gate (``abonnementen.mixins.AbonnementRequiredMixin``), as a read or a write.
NO_SUBSCRIPTION_NEEDED = {
    # The company side: a company grants or answers; only the intermediair needs the module.
    "ketenmachtigingen:afgegeven": "the company side (Afgegeven)",
    "ketenmachtigingen:afgeven": "the company side: a company grants to its intermediair",
    "ketenmachtigingen:afgegeven_detail": "the company side",
    "ketenmachtigingen:afgegeven_beeindig": "the company side: a company ends what it granted",
    "ketenmachtigingen:te_beoordelen": "the company side: requests to answer",
    "ketenmachtigingen:te_beoordelen_detail": "the company side: requests to answer",
    # Deactivating a colleague (issue 20, EH-middelen) is about the organisation's people, not
    # the module: it also works for an organisation without a subscription.
    "ketenmachtigingen:gebruiker_deactiveer": "deactivating a colleague (EH-middelen)",
    # The platform's own staff.
    "ketenmachtigingen:backoffice": "back office (staff)",
    "ketenmachtigingen:backoffice_start": "back office (staff)",
    "ketenmachtigingen:backoffice_detail": "back office (staff)",
    "ketenmachtigingen:backoffice_actie": "back office (staff)",
}


@dataclass(frozen=True)
class NamedUrl:
    name: str
    route: str
    keys: tuple[str, ...]
    callback: Callable

    @property
    def is_admin(self) -> bool:
        return self.name.startswith("admin:")


def _walk(patterns, prefix: str = "", namespace: str | None = None) -> Iterator[NamedUrl]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), full_ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            keys = tuple(pattern.pattern.regex.groupindex)
            yield NamedUrl(name, prefix + str(pattern.pattern), keys, pattern.callback)


def _all_urls() -> list[NamedUrl]:
    seen: dict[str, NamedUrl] = {}
    for url in _walk(get_resolver().url_patterns):
        seen.setdefault(url.name, url)
    return sorted(seen.values(), key=lambda u: u.name)


def named_urls() -> list[NamedUrl]:
    """Every page (the session-based site). The REST API under ``api:`` has credentials of its
    own (API keys, no session, no CSRF): ``api_urls()`` and the walkers of ``tests/api``."""
    return [u for u in _all_urls() if not u.name.startswith("api:")]


def api_urls() -> list[NamedUrl]:
    return [u for u in _all_urls() if u.name.startswith("api:")]


# Sample arguments per URL name: a callable taking the test's ``World`` and returning kwargs.
SAMPLES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "accounts:gebruiker": lambda w: {"pk": w.lidmaatschap_of("organisatie").pk},
    "accounts:gebruiker_rol": lambda w: {"pk": w.lidmaatschap_of("organisatie").pk},
    "accounts:gebruiker_verwijder": lambda w: {"pk": w.lidmaatschap_of("organisatie").pk},
    "accounts:password_reset_confirm": lambda w: {"uidb64": "MQ", "token": "set-password"},
    "accounts:ehmiddel": lambda w: {"pk": w.ehmiddel_of("organisatie").pk},
    "ketenmachtigingen:gebruiker_deactiveer": lambda w: {"pk": w.lidmaatschap_of("organisatie").pk},
    **{
        f"accounts:{name}": (lambda w: {"pk": w.ehmiddel_aanvraag.pk})
        for name in (
            "backoffice_ehmiddel",
            "backoffice_ehmiddel_uitgeven",
            "backoffice_ehmiddel_weigeren",
        )
    },
    "groepen:detail": lambda w: {"pk": w.groep_of("organisatie").pk},
    "groepen:wijzig": lambda w: {"pk": w.groep_of("organisatie").pk},
    "groepen:verwijder": lambda w: {"pk": w.groep_of("organisatie").pk},
    "groepen:leden": lambda w: {"pk": w.groep_of("organisatie").pk},
    "groepen:diensten": lambda w: {"pk": w.groep_of("organisatie").pk},
    **{
        f"ketenmachtigingen:{name}": (lambda w: {"pk": w.km_of("organisatie").pk})
        for name in (
            "detail",
            "gebruikers",
            "beeindig",
            "verleng",
            "opnieuw_aanvragen",
            "opnieuw_versturen",
            "formulier",
            "backoffice_detail",
        )
    },
    "ketenmachtigingen:gebruiker_verwijder": lambda w: {
        "pk": w.km_of("organisatie").pk,
        "lid": w.lidmaatschap_of("organisatie").pk,
    },
    "ketenmachtigingen:groep_verwijder": lambda w: {
        "pk": w.km_of("organisatie").pk,
        "groep": w.groep_of("organisatie").pk,
    },
    "ketenmachtigingen:backoffice_actie": lambda w: {
        "pk": w.km_of("organisatie").pk,
        "actie": "ontvangen",
    },
    "ketenmachtigingen:mail_opnieuw": lambda w: {"pk": w.km_of("organisatie").pk, "mail": 1},
    "ketenmachtigingen:import_detail": lambda w: {"pk": w.import_of("organisatie").pk},
    "ketenmachtigingen:afgegeven_detail": lambda w: {"pk": w.afgegeven_of("organisatie").pk},
    "ketenmachtigingen:afgegeven_beeindig": lambda w: {"pk": w.afgegeven_of("organisatie").pk},
    # A request to the organisation (answered or not: the page says which).
    "ketenmachtigingen:te_beoordelen_detail": lambda w: {"pk": w.afgegeven_of("organisatie").pk},
    **{
        f"goedkeuring:{name}": (lambda w: {"token": w.link_token})
        for name in ("start", "code_sturen", "code", "goedkeuren", "afwijzen", "formulier")
    },
    "goedkeuring:upload": lambda w: {"pk": w.km_of("organisatie").pk},
    # The REST API (tests/api walks it with keys of both organisations).
    "api_keys:intrekken": lambda w: {"pk": w.apikey_of("organisatie").pk},
    **{
        f"api:ketenmachtiging-{name}": (lambda w: {"pk": w.km_of("organisatie").pk})
        for name in ("detail", "verlengen", "beeindigen")
    },
    "api:gebruiker-detail": lambda w: {"pk": w.lidmaatschap_of("organisatie").pk},
    "api:groep-detail": lambda w: {"pk": w.groep_of("organisatie").pk},
    "api:bericht-detail": lambda w: {"pk": w.bericht_of("organisatie").pk},
    "api:bericht-gelezen": lambda w: {"pk": w.bericht_of("organisatie").pk},
    # A company at the KvK (public data, the same for every organisation): Test BV Donald.
    "api:relatie-detail": lambda w: {"kvk": "68750110"},
    "berichtenbox:bericht": lambda w: {"pk": w.bericht_of("organisatie").pk},
    # A subscription (back office only).
    "abonnementen:backoffice_detail": lambda w: {"pk": w.abonnement_of("organisatie").pk},
    "abonnementen:backoffice_actie": lambda w: {
        "pk": w.abonnement_of("organisatie").pk,
        "actie": "beeindigen",
    },
    **{
        f"webhooks:{name}": (lambda w: {"pk": w.webhook_of("organisatie").pk})
        for name in ("detail", "wijzig", "uitschakelen", "inschakelen", "verwijder", "test")
    },
    **{
        f"webhooks:{name}": (
            lambda w: {
                "pk": w.webhook_of("organisatie").pk,
                "delivery": w.webhook_delivery_of("organisatie").pk,
            }
        )
        for name in ("aflevering", "opnieuw")
    },
    # A backup phone number of organisation A's beheerder (a person's own, not an organisation's).
    "two_factor:phone_delete": lambda w: {"pk": w.backup_phone.pk},
    "groepen:lid_verwijder": lambda w: {
        "pk": w.groep_of("organisatie").pk,
        "lid": w.lidmaatschap_of("organisatie").pk,
    },
}


def _admin_sample(url: NamedUrl) -> dict[str, Any]:
    values = {"app_label": "accounts", "object_id": "1", "content_type_id": "1", "url": "x"}
    return {key: values.get(key, "1") for key in url.keys}


def sample_kwargs(url: NamedUrl, world: Any) -> dict[str, Any] | None:
    """The kwargs to reverse ``url``; ``None`` when a pattern with arguments has no sample."""
    if not url.keys:
        return {}
    if url.name in SAMPLES:
        return SAMPLES[url.name](world)
    if url.is_admin:
        return _admin_sample(url)
    return None


def reverse_sample(url: NamedUrl, world: Any) -> str:
    kwargs = sample_kwargs(url, world)
    assert kwargs is not None, f"{url.name} ({url.route}) has no sample arguments"
    return reverse(url.name, kwargs=kwargs)
