"""Snapshot tests of every kind of e-mail: subject and text body, in Dutch and English, against
golden files in ``tests/golden/email/`` (regenerate as ``tests/golden_files.py`` says).

Each e-mail is composed the way the outbox composes it (``outbox.delivery._compose``: the kind's
renderer in the row's language) from fixed data at a frozen time. Tokens in links (personal link,
password reset) differ per run and are replaced by placeholders.
"""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine

from abonnementen.notifications import params_of
from accounts.constants import Rol
from accounts.notifications import PASSWORD_CHANGED
from berichtenbox.models import Bericht
from outbox.delivery import _compose
from outbox.models import Mail
from outbox.registry import registered
from tests.factories import KetenmachtigingFactory, LidmaatschapFactory, OrganisatieFactory
from tests.golden_files import assert_golden

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday: the weekly overview's day


@pytest.fixture(autouse=True)
def _frozen(settings):
    settings.PLATFORM_NAME = "Ketenportal"
    settings.PLATFORM_WEBSITE = "https://www.ketenportal.nl"
    settings.PLATFORM_SUPPORT_EMAIL = "support@ketenportal.nl"
    settings.SITE_URL = "https://ketenportal.example.nl"
    settings.PLATFORM_POSTADRES = ["Ketenportal", "t.a.v. Verwerking", "3500 VB Utrecht"]
    settings.PLATFORM_POSTADRES_EN = ["Ketenportal", "attn. Processing", "3500 VB Utrecht"]
    with time_machine.travel(NOW, tick=False):
        yield


class Scene:
    def __init__(self) -> None:
        self.organisatie = OrganisatieFactory(naam="Administratiekantoor De Boer B.V.")
        self.beheerder = LidmaatschapFactory(
            organisatie=self.organisatie,
            rol=Rol.BEHEERDER,
            user__username="petra.deboer",
            user__email="petra@deboer.example",
            user__first_name="Petra",
            user__voorletters="P.",
            user__last_name="de Boer",
            user__weekoverzicht=True,
        )
        common = {
            "intermediair": self.organisatie,
            "intermediair_naam": self.organisatie.naam,
            "relatie_naam": "Bakkerij Jansen V.O.F.",
            "relatie_contact_voorletters": "J.",
            "relatie_contact_achternaam": "Jansen",
            "relatie_contact_email": "jan@bakkerij.example",
            "contact_voorletters": "P.",
            "contact_tussenvoegsel": "de",
            "contact_achternaam": "Boer",
            "contact_email": "petra@deboer.example",
            "contact_telefoon": "0301234567",
            "uitnodiging_geldig_tot": date(2026, 6, 2),
        }
        self.verstuurd = KetenmachtigingFactory(kenmerk="KM-MAIL-0001", **common)
        self.oud = KetenmachtigingFactory(
            kenmerk="KM-MAIL-0002", **{**common, "relatie_naam": "Garage Smit B.V."}, actief=True
        )
        self.verlenging = KetenmachtigingFactory(
            kenmerk="KM-MAIL-0003",
            vernieuwing_van=self.oud,
            **{**common, "relatie_naam": "Garage Smit B.V."},
        )
        self.incompleet = KetenmachtigingFactory(
            kenmerk="KM-MAIL-0004",
            incompleet=True,
            **{**common, "relatie_naam": "Kapsalon Mooi B.V."},
        )
        self.actief = KetenmachtigingFactory(
            kenmerk="KM-MAIL-0005",
            actief=True,
            **{**common, "relatie_naam": "Drukkerij Pers B.V."},
        )
        self.fout = KetenmachtigingFactory(
            kenmerk="KM-MAIL-0006", fout=True, **{**common, "relatie_naam": "Visser & Zn."}
        )
        self.berichten = [
            Bericht.objects.create(
                organisatie=self.organisatie,
                soort="status",
                onderwerp=f"Status {i}",
                tekst="De ketenmachtiging is actief.",
            )
            for i in range(4)
        ]

    def mails(self) -> dict[str, tuple[str, dict]]:
        """Per golden name: the outbox kind and its parameters."""
        user = self.beheerder.user
        self.abonnement = self.organisatie.abonnementen.get()
        self.abonnement.toegang_aangevraagd_op = NOW
        self.abonnement.toegang_aangevraagd_door = user
        km = {
            name: {"km": k.pk, "verstuurd_op": k.verstuurd_op.isoformat()}
            for name, k in {
                "uitnodiging": self.verstuurd,
                "uitnodiging-verlenging": self.verlenging,
                "incompleet": self.incompleet,
                "goedgekeurd": self.actief,
            }.items()
        }
        return {
            "uitnodiging": ("ketenmachtigingen.uitnodiging", km["uitnodiging"]),
            "uitnodiging-verlenging": (
                "ketenmachtigingen.uitnodiging",
                km["uitnodiging-verlenging"],
            ),
            "uitnodiging-opnieuw": ("ketenmachtigingen.uitnodiging_opnieuw", km["uitnodiging"]),
            "uitnodiging-verlenging-opnieuw": (
                "ketenmachtigingen.uitnodiging_opnieuw",
                km["uitnodiging-verlenging"],
            ),
            "herinnering": ("ketenmachtigingen.herinnering", km["uitnodiging"]),
            "incompleet": (
                "ketenmachtigingen.incompleet",
                {**km["incompleet"], "reden": "De handtekening ontbreekt."},
            ),
            "goedgekeurd": ("ketenmachtigingen.goedgekeurd", km["goedgekeurd"]),
            "feiten": (
                "ketenmachtigingen.feiten",
                {
                    "km": self.actief.pk,
                    "afzender": "K. Pers",
                    "feiten": {
                        "relatie_naam": "Drukkerij Pers B.V.",
                        "eigen_kvk": "87654321",
                        "intermediair_naam": "Administratiekantoor De Boer B.V.",
                        "intermediair_kvk": "12345678",
                        "diensten": "Algemene bevoegdheid: alle diensten",
                        "leverancier": "Ketenportal",
                        "looptijd_jaren": 5,
                        "startdatum": "2026-03-02",
                        "einddatum": "2031-03-02",
                    },
                },
            ),
            "goedkeuring-code": ("goedkeuring.code", {"km": self.verstuurd.pk, "code": "123456"}),
            "berichtenbox": (
                "berichtenbox.wachtend",
                {
                    "user": user.pk,
                    "organisatie": self.organisatie.pk,
                    "berichten": [b.pk for b in self.berichten],
                },
            ),
            "security-change": (
                "accounts.beveiliging",
                {
                    "user": user.pk,
                    "change": PASSWORD_CHANGED,
                    "old_email": "",
                    "new_email": "",
                    "when": "2026-03-02T10:00:00+01:00",
                },
            ),
            "wachtwoord-herstel": ("accounts.wachtwoord_herstel", {"user": user.pk}),
            "abonnement-toegang-aangevraagd": (
                "abonnementen.toegang_aangevraagd",
                params_of(self.abonnement),
            ),
            "ehmiddel-welkom": (
                "accounts.ehmiddel_welkom",
                {"user": user.pk, "organisatie": self.organisatie.pk},
            ),
            "gebruikersnaam": ("accounts.gebruikersnaam", {}),
            "weekoverzicht": (
                "ketenmachtigingen.weekoverzicht",
                {"user": user.pk, "organisaties": [self.organisatie.pk], "week": "2026-W10"},
            ),
        }


def snapshot(message) -> str:
    text = f"Subject: {message.subject}\n\n{message.body}"
    # Tokens that differ per run (and ids that differ per database).
    text = re.sub(r"/uitnodiging/[^/\s]+/", "/uitnodiging/<token>/", text)
    text = re.sub(
        r"/wachtwoord-herstellen/[^/\s]+/[^/\s]+/", "/wachtwoord-herstellen/<uid>/<token>/", text
    )
    text = re.sub(r"/berichtenbox/\d+/", "/berichtenbox/<id>/", text)
    text = re.sub(r"/backoffice/abonnementen/\d+/", "/backoffice/abonnementen/<id>/", text)
    text = re.sub(r"\(KvK \d{8}\)", "(KvK <kvk>)", text)
    return text


@pytest.mark.parametrize("taal", ["nl", "en"])
def test_every_email_is_golden(taal, settings):
    scene = Scene()
    mails = scene.mails()
    # Every registered kind is covered: a new kind needs a golden file too.
    assert {soort for soort, _params in mails.values()} >= set(registered()), set(registered()) - {
        soort for soort, _params in mails.values()
    }
    for name, (soort, params) in mails.items():
        mail = Mail(
            soort=soort, ontvanger="petra@deboer.example", taal=taal, params=params, message_id="x"
        )
        assert_golden(f"email/{name}-{taal}.txt", snapshot(_compose(mail)))


def test_the_berichtenbox_subject_counts():
    scene = Scene()
    soort, params = scene.mails()["berichtenbox"]
    mail = Mail(soort=soort, ontvanger="p@x.nl", taal="en", params=params, message_id="x")
    assert _compose(mail).subject.startswith("4 messages are waiting")
    mail.params = {**params, "berichten": params["berichten"][:1]}
    assert _compose(mail).subject.startswith("1 message is waiting")
    mail.taal = "nl"
    assert "bericht" in _compose(mail).subject and "1" in _compose(mail).subject


def test_the_incomplete_email_has_the_postal_address_in_its_language():
    scene = Scene()
    soort, params = scene.mails()["incompleet"]
    for taal, line in (("en", "attn. Processing"), ("nl", "t.a.v. Verwerking")):
        mail = Mail(soort=soort, ontvanger="p@x.nl", taal=taal, params=params, message_id="x")
        assert line in _compose(mail).body


def test_the_english_renewal_subject_is_english():
    scene = Scene()
    soort, params = scene.mails()["uitnodiging-verlenging"]
    mail = Mail(soort=soort, ontvanger="p@x.nl", taal="en", params=params, message_id="x")
    subject = _compose(mail).subject
    assert subject == "Renewal of the ketenmachtiging for Garage Smit B.V."
    assert not subject.startswith("Ketenmachtiging")


@pytest.mark.parametrize("taal", ["nl", "en"])
def test_no_sentence_ends_in_two_full_stops_after_a_name(taal):
    # The office is called "… De Boer B.V.": every sentence that ends with its name must still
    # end in one full stop, in the subject, the text and the HTML (issue 18).
    scene = Scene()
    for soort, params in scene.mails().values():
        mail = Mail(
            soort=soort, ontvanger="petra@deboer.example", taal=taal, params=params, message_id="x"
        )
        message = _compose(mail)
        for text in [message.subject, message.body, *(c for c, _m in message.alternatives)]:
            assert "B.V.." not in text, (soort, text[:200])
