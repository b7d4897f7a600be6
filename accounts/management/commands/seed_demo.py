"""``manage.py seed_demo``: demo organisations, people and clients for trying the portal out.

Idempotent: a second run changes nothing and prints the same logins. Refuses to run with the
production settings. Later apps add their demo data through ``DEMO_SEEDERS`` below.
"""

import base64

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from two_factor.plugins.phonenumber.models import PhoneDevice

from accounts import services
from accounts.constants import EHNiveau, Rol, TweedeFactor
from accounts.models import Lidmaatschap, Organisatie, User

DEMO_PASSWORD = "Ketenportal-demo-2026"

INTERMEDIAIRS = [
    {
        "naam": "Accountantskantoor Jansen & De Boer B.V.",
        "kvk_nummer": "30123456",
        "fiscaal_nummer": "814276337",
        "straat": "Stationsplein",
        "huisnummer": "12",
        "postcode": "3511ED",
        "plaats": "Utrecht",
    },
    {
        "naam": "Salarisadministratie Noord B.V.",
        "kvk_nummer": "01098765",
        "fiscaal_nummer": "815423718",
        "straat": "Vismarkt",
        "huisnummer": "3",
        "postcode": "9712CA",
        "plaats": "Groningen",
    },
]

# The published KvK test companies (domain.md), as clients of the intermediairs.
CLIENTS = [
    ("Eenmanszaak Test Kraan", "69599084", "Hoofdstraat", "1", "1234AB", "Amsterdam"),
    ("Test BV Donald", "68750110", "Kerkstraat", "22", "3511LK", "Utrecht"),
    ("Test NV Katrien", "68727720", "Marktplein", "5", "2011AB", "Haarlem"),
    ("Stichting Test Hulp", "69599068", "Dorpsweg", "8", "8011CD", "Zwolle"),
    ("Test VoF Kwik en Kwek", "69599076", "Havenkade", "14", "3011AA", "Rotterdam"),
    ("Coöperatie Test Boerenbond", "55344526", "Molenweg", "3", "6701AB", "Wageningen"),
    ("Test BV Goofy", "90001354", "Industrieweg", "40", "5611AA", "Eindhoven"),
]

# username, voorletters, tussenvoegsel, achternaam, level, second factor, Belastingdienst only,
# staff, memberships: [(intermediair index, role)]
PEOPLE = [
    (
        "beheerder",
        "A.B.M.",
        "",
        "Pietersen",
        EHNiveau.EH3,
        TweedeFactor.OTP,
        False,
        False,
        [(0, Rol.BEHEERDER)],
    ),
    (
        "eva.dekker",
        "E.",
        "",
        "Dekker",
        EHNiveau.EH4,
        TweedeFactor.SMS,
        False,
        False,
        [(0, Rol.BEHEERDER)],
    ),
    (
        "piet.laag",
        "P.",
        "van der",
        "Laan",
        EHNiveau.EH2_PLUS,
        TweedeFactor.OTP,
        False,
        False,
        [(0, Rol.BEHEERDER)],
    ),
    (
        "jan.smit",
        "J.",
        "",
        "Smit",
        EHNiveau.EH3,
        TweedeFactor.OTP,
        False,
        False,
        [(0, Rol.GEBRUIKER)],
    ),
    (
        "sara.visser",
        "S.",
        "",
        "Visser",
        EHNiveau.EH2_PLUS,
        TweedeFactor.SMS,
        False,
        False,
        [(0, Rol.GEBRUIKER)],
    ),
    (
        "kees.bakker",
        "K.",
        "",
        "Bakker",
        EHNiveau.EH4,
        TweedeFactor.OTP,
        False,
        False,
        [(0, Rol.GEBRUIKER)],
    ),
    (
        "fatima.elamrani",
        "F.",
        "el",
        "Amrani",
        EHNiveau.EH3,
        TweedeFactor.SMS,
        True,
        False,
        [(0, Rol.GEBRUIKER)],
    ),
    (
        "beheerder2",
        "M.",
        "de",
        "Vries",
        EHNiveau.EH4,
        TweedeFactor.OTP,
        False,
        False,
        [(1, Rol.BEHEERDER)],
    ),
    (
        "tom.mulder",
        "T.",
        "",
        "Mulder",
        EHNiveau.EH2_PLUS,
        TweedeFactor.OTP,
        False,
        False,
        [(1, Rol.GEBRUIKER)],
    ),
    (
        "lisa.bos",
        "L.",
        "",
        "Bos",
        EHNiveau.EH3,
        TweedeFactor.SMS,
        False,
        False,
        [(1, Rol.GEBRUIKER)],
    ),
    (
        "mohammed.yilmaz",
        "M.",
        "",
        "Yilmaz",
        EHNiveau.EH3,
        TweedeFactor.OTP,
        True,
        False,
        [(1, Rol.GEBRUIKER)],
    ),
    (
        "anna.meijer",
        "A.",
        "",
        "Meijer",
        EHNiveau.EH4,
        TweedeFactor.OTP,
        False,
        False,
        [(1, Rol.GEBRUIKER)],
    ),
    (
        "multi.beheerder",
        "R.",
        "",
        "Jansen",
        EHNiveau.EH3,
        TweedeFactor.OTP,
        False,
        False,
        [(0, Rol.BEHEERDER), (1, Rol.BEHEERDER)],
    ),
    ("backoffice", "B.", "", "Kantoor", EHNiveau.EH3, TweedeFactor.OTP, False, True, []),
]

#: The accounts whose logins ``make run`` prints.
PRINTED = ["beheerder", "beheerder2", "multi.beheerder", "bedrijf.beheerder", "backoffice"]

#: Other apps append callables ``seeder(stdout)`` that add their own demo data idempotently.
DEMO_SEEDERS: list = []


def demo_totp_key(username: str) -> str:
    """A fixed TOTP key per demo account, so the printed secret stays the same on every run."""
    seed = (username.encode() * 20)[:20]
    return seed.hex()


def totp_secret_base32(hex_key: str) -> str:
    return base64.b32encode(bytes.fromhex(hex_key)).decode().rstrip("=")


class Command(BaseCommand):
    help = "Load demo organisations, people and clients (idempotent; not in production)."

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "seed_demo refuses to run with production settings (DEMO_DATA_ALLOWED is off)."
            )
        with transaction.atomic():
            created = self.seed()
        for seeder in DEMO_SEEDERS:
            seeder(self.stdout)
        if created:
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        else:
            self.stdout.write("Demo data present already; nothing changed.")
        self.print_logins()

    def seed(self) -> bool:
        if User.objects.filter(username="beheerder").exists():
            return False
        intermediairs = [services.organisatie_create(actor=None, **data) for data in INTERMEDIAIRS]
        for naam, kvk, straat, huisnummer, postcode, plaats in CLIENTS:
            services.organisatie_create(
                actor=None,
                naam=naam,
                kvk_nummer=kvk,
                straat=straat,
                huisnummer=huisnummer,
                postcode=postcode,
                plaats=plaats,
            )
        for index, person in enumerate(PEOPLE):
            (
                username,
                voorletters,
                tussenvoegsel,
                achternaam,
                niveau,
                factor,
                bd_only,
                staff,
                memberships,
            ) = person
            user = User.objects.create_user(
                username=username,
                password=DEMO_PASSWORD,
                email=f"{username}@example.nl",
                voorletters=voorletters,
                tussenvoegsel=tussenvoegsel,
                last_name=achternaam,
                eh_niveau=niveau,
                tweede_factor=factor,
                alleen_belastingdienst=bd_only,
                is_staff=staff,
                telefoonnummer=f"+316{20000000 + index:08d}"[:12],
            )
            # Every demo account has an authenticator device; for SMS people the phone is the
            # default (its codes appear on the console) and the app is the alternative.
            sms = factor == TweedeFactor.SMS
            TOTPDevice.objects.create(
                user=user,
                name="app" if sms else "default",
                key=demo_totp_key(username),
                confirmed=True,
            )
            if sms:
                PhoneDevice.objects.create(
                    user=user,
                    name="default",
                    number=str(user.telefoonnummer),
                    method="sms",
                    confirmed=True,
                )
            static = StaticDevice.objects.create(user=user, name="backup")
            for n in range(5):
                static.token_set.create(token=f"{username[:4]}{n:04d}".replace(".", "x"))
            for org_index, rol in memberships:
                services.lidmaatschap_create(
                    actor=None, user=user, organisatie=intermediairs[org_index], rol=rol
                )
        from accounts.ehmiddelen.demo import seed_ehmiddelen

        seed_ehmiddelen(intermediairs)
        return True

    def print_logins(self) -> None:
        users = {u.username: u for u in User.objects.filter(username__in=PRINTED)}
        self.stdout.write("\nDemo logins (password + a code from an authenticator app):")
        for username in PRINTED:
            user = users.get(username)
            if user is None:
                continue
            device = TOTPDevice.objects.filter(user=user).first()
            orgs = ", ".join(
                m.organisatie.naam
                for m in Lidmaatschap.objects.filter(user=user).select_related("organisatie")
            )
            role = "staff (back office)" if user.is_staff else f"beheerder of {orgs}"
            self.stdout.write(
                f"\n  # {role}\n"
                f"  username: {user.username}\n"
                f"  password: {DEMO_PASSWORD}\n"
                f"  TOTP secret: {totp_secret_base32(device.key) if device else '-'}\n"
            )
        self.stdout.write(
            f"\n  Organisations: {Organisatie.objects.count()}; people: {User.objects.count()}.\n"
            "  Add a TOTP secret to an authenticator app, or print the current code with:\n"
            "  .venv/bin/python manage.py demo_code <username>\n"
        )
