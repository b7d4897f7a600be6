"""Shared fixtures: organisations, people, and clients logged in through the second factor."""

import os

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from two_factor.plugins.phonenumber.models import PhoneDevice

from accounts import sms
from accounts.constants import Rol
from tests.factories import (
    GroepFactory,
    KetenmachtigingFactory,
    LidmaatschapFactory,
    OrganisatieFactory,
    UserFactory,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def missing_services() -> list[str]:
    missing = []
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        missing.append("DATABASE_URL (PostgreSQL)")
    if not os.environ.get("REDIS_URL"):
        missing.append("REDIS_URL")
    return missing


def pytest_runtest_setup(item):
    """Integration tests need PostgreSQL and Redis. Without them they skip, except in CI
    (REQUIRE_SERVICES=1), where a missing service fails the test."""
    if "integration" not in item.keywords:
        return
    missing = missing_services()
    if missing:
        message = f"needs {', '.join(missing)}"
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1: {message}", pytrace=False)
        pytest.skip(message)


@pytest.fixture(autouse=True)
def _clean_sms_outbox():
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def _clean_cache():
    """Counters kept in the cache (throttles, lockouts) start at zero in every test."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"


def verified_client(user, *, client: Client | None = None) -> Client:
    """A test client logged in as ``user`` with a verified second factor (their TOTP device)."""
    client = client or Client()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def organisatie(db):
    return OrganisatieFactory(naam="Accountants Alpha B.V.")


@pytest.fixture
def other_organisatie(db):
    return OrganisatieFactory(naam="Loonbureau Beta B.V.")


@pytest.fixture
def beheerder(organisatie):
    return LidmaatschapFactory(organisatie=organisatie, rol=Rol.BEHEERDER).user


@pytest.fixture
def gebruiker(organisatie):
    return LidmaatschapFactory(organisatie=organisatie, rol=Rol.GEBRUIKER).user


@pytest.fixture
def other_beheerder(other_organisatie):
    return LidmaatschapFactory(organisatie=other_organisatie, rol=Rol.BEHEERDER).user


@pytest.fixture
def beheerder_client(beheerder):
    return verified_client(beheerder)


@pytest.fixture
def make_user():
    return UserFactory


class World:
    """Two organisations with their people: what the URL walkers reverse sample URLs against."""

    def __init__(self) -> None:
        # Both intermediairs have an active subscription for the ketenmachtiging module.
        self.organisatie = OrganisatieFactory(naam="Accountants Alpha B.V.", abonnement=True)
        self.other_organisatie = OrganisatieFactory(naam="Loonbureau Beta B.V.", abonnement=True)
        self.beheerder = LidmaatschapFactory(organisatie=self.organisatie, rol=Rol.BEHEERDER)
        # A backup phone number of the beheerder: the sample of two_factor:phone_delete.
        self.backup_phone = PhoneDevice.objects.create(
            user=self.beheerder.user, name="backup", number="+31687654321", method="sms"
        )
        self.gebruiker = LidmaatschapFactory(organisatie=self.organisatie, rol=Rol.GEBRUIKER)
        self.other_beheerder = LidmaatschapFactory(
            organisatie=self.other_organisatie, rol=Rol.BEHEERDER
        )
        self.other_gebruiker = LidmaatschapFactory(
            organisatie=self.other_organisatie, rol=Rol.GEBRUIKER
        )
        self.groep = GroepFactory(organisatie=self.organisatie, naam="Loonadministratie")
        self.groep.leden.add(self.gebruiker)
        self.other_groep = GroepFactory(organisatie=self.other_organisatie, naam="Fiscaal")
        self.other_groep.leden.add(self.other_gebruiker)
        self.km = KetenmachtigingFactory(intermediair=self.organisatie, actief=True)
        self.km.gebruikers.add(self.gebruiker)
        self.km.groepen.add(self.groep)
        self.other_km = KetenmachtigingFactory(intermediair=self.other_organisatie, actief=True)
        self.other_km.gebruikers.add(self.other_gebruiker)
        self.other_km.groepen.add(self.other_groep)
        self.afgegeven = KetenmachtigingFactory(
            intermediair=self.other_organisatie, relatie_organisatie=self.organisatie, actief=True
        )
        self.other_afgegeven = KetenmachtigingFactory(
            intermediair=self.organisatie, relatie_organisatie=self.other_organisatie, actief=True
        )
        from ketenmachtigingen.models import Import

        self.imp = Import.objects.create(
            organisatie=self.organisatie, bestandsnaam="relaties.xlsx", status="gelezen"
        )
        self.other_imp = Import.objects.create(
            organisatie=self.other_organisatie, bestandsnaam="relaties.xlsx", status="gelezen"
        )
        from goedkeuring.services import link_create

        # A personal link of a waiting request of a third organisation (the public pages' sample).
        self.link_token = link_create(km=KetenmachtigingFactory())
        from berichtenbox.models import Bericht

        self.bericht = Bericht.objects.create(
            organisatie=self.organisatie,
            # Not "verlenging": the sweep tests count the renewal notices they create.
            soort="status",
            onderwerp="Status van uw ketenmachtiging gewijzigd",
            tekst="De ketenmachtiging is actief.",
        )
        self.other_bericht = Bericht.objects.create(
            organisatie=self.other_organisatie,
            soort="status",
            onderwerp="Status van uw ketenmachtiging gewijzigd (Beta)",
            tekst="De ketenmachtiging is actief.",
        )

        # API keys, made without the service (no audit rows: tests count those).
        from api.keys import hash_key, new_key
        from api.models import ApiKey

        def make_key(lid, naam):
            key, prefix = new_key()
            return ApiKey.objects.create(
                organisatie=lid.organisatie,
                naam=naam,
                prefix=prefix,
                key_hash=hash_key(key),
                created_by=lid.user,
            )

        self.apikey = make_key(self.beheerder, "Boekhouding")
        self.other_apikey = make_key(self.other_beheerder, "Salaris")
        self.webhook, self.webhook_delivery = _webhook_with_delivery(
            self.organisatie, "https://boekhouding.alpha.example/webhooks"
        )
        self.other_webhook, self.other_webhook_delivery = _webhook_with_delivery(
            self.other_organisatie, "https://software.beta-loonbureau.example/hook"
        )

        # EH-middelen of both organisations, and a request for one (the back office's sample).
        import datetime

        from tests.factories import EHMiddelAanvraagFactory, EHMiddelFactory

        # Valid far ahead: no sweep under frozen time tells anyone about these.
        far = datetime.date(2099, 12, 31)
        self.ehmiddel = EHMiddelFactory(
            organisatie=self.organisatie, houder=self.gebruiker.user, geldig_tot=far
        )
        self.other_ehmiddel = EHMiddelFactory(
            organisatie=self.other_organisatie, houder=self.other_gebruiker.user, geldig_tot=far
        )
        self.ehmiddel_aanvraag = EHMiddelAanvraagFactory(organisatie=self.organisatie)

    def ehmiddel_of(self, which: str):
        return self.ehmiddel if which == "organisatie" else self.other_ehmiddel

    def lidmaatschap_of(self, which: str):
        return self.gebruiker if which == "organisatie" else self.other_gebruiker

    def groep_of(self, which: str):
        return self.groep if which == "organisatie" else self.other_groep

    def km_of(self, which: str):
        return self.km if which == "organisatie" else self.other_km

    def import_of(self, which: str):
        return self.imp if which == "organisatie" else self.other_imp

    def afgegeven_of(self, which: str):
        return self.afgegeven if which == "organisatie" else self.other_afgegeven

    def bericht_of(self, which: str):
        return self.bericht if which == "organisatie" else self.other_bericht

    def apikey_of(self, which: str):
        return self.apikey if which == "organisatie" else self.other_apikey

    def webhook_of(self, which: str):
        return self.webhook if which == "organisatie" else self.other_webhook

    def abonnement_of(self, which: str):
        organisatie = self.organisatie if which == "organisatie" else self.other_organisatie
        return organisatie.abonnementen.get()

    def webhook_delivery_of(self, which: str):
        return self.webhook_delivery if which == "organisatie" else self.other_webhook_delivery


def _webhook_with_delivery(organisatie, url: str):
    """A webhook endpoint with one delivered event. Disabled by hand, so that no test that
    changes the organisation's ketenmachtigingen sends it anything."""
    from django.utils import timezone

    from api import crypto
    from api.constants import SUBSCRIBABLE, DeliveryStatus, WebhookEvent
    from api.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
    from api.services import new_webhook_secret
    from api.webhooks.emit import new_event_id

    endpoint = WebhookEndpoint.objects.create(
        organisatie=organisatie,
        url=url,
        omschrijving="Boekhoudpakket",
        events=[e.value for e in SUBSCRIBABLE],
        secret_encrypted=crypto.encrypt(new_webhook_secret()),
        actief=False,
        uitgeschakeld_op=timezone.now(),
        uitgeschakeld_reden="handmatig",
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id=new_event_id(),
        event_type=WebhookEvent.TEST,
        payload={"type": "webhook.test", "timestamp": "2026-01-01T00:00:00Z", "data": {}},
        status=DeliveryStatus.AFGELEVERD,
        pogingen=1,
        laatste_code=204,
        afgeleverd_op=timezone.now(),
    )
    WebhookAttempt.objects.create(delivery=delivery, status_code=204, duur_ms=42)
    return endpoint, delivery


@pytest.fixture
def world(db) -> World:
    return World()
