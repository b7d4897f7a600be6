"""Roles for the SQLite race test (test_sqlite_race.py), each run as its own process against one
SQLite file, the way ``make run`` runs the web server and ``run_jobs --loop`` side by side.

    python -m tests.outbox.sqlite_race setup|sweeper|renewer|report
"""

import json
import os
import sys
import time
import traceback
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketenportal.settings.test")
django.setup()

from django.utils import timezone  # noqa: E402

from accounts.constants import Rol  # noqa: E402
from ketenmachtigingen.jobs import run_sweeps  # noqa: E402
from ketenmachtigingen.models import Ketenmachtiging  # noqa: E402
from outbox.models import Mail  # noqa: E402
from tests.factories import (  # noqa: E402
    KetenmachtigingFactory,
    LidmaatschapFactory,
    OrganisatieFactory,
)

FLAG = os.environ.get("RACE_FLAG", "")


def expiring(org, n: int) -> None:
    today = timezone.localdate()
    Ketenmachtiging.objects.bulk_create(
        [
            KetenmachtigingFactory.build(
                intermediair=org,
                actief=True,
                startdatum=today - timedelta(days=800),
                einddatum=today - timedelta(days=1),
            )
            for _ in range(n)
        ]
    )


def setup() -> None:
    org = OrganisatieFactory(naam="Kantoor Race B.V.")
    LidmaatschapFactory(organisatie=org, rol=Rol.BEHEERDER, user__email="beheer@race.nl")
    today = timezone.localdate()
    for i in range(30):  # due for renewal (tab Acties)
        KetenmachtigingFactory(
            intermediair=org,
            actief=True,
            startdatum=today - timedelta(days=1800),
            einddatum=today + timedelta(days=30),
            relatie_contact_email=f"klant{i}@race.nl",
        )
    expiring(org, 400)


def sweeper() -> None:
    org = Ketenmachtiging.objects.values_list("intermediair_id", flat=True).first()
    from accounts.models import Organisatie

    org = Organisatie.objects.get(pk=org)
    deadline = time.monotonic() + float(os.environ.get("RACE_SECONDS", "8"))
    runs = 0
    while time.monotonic() < deadline:
        if FLAG and runs == 1:
            open(FLAG, "w").close()  # the renewer may start: the sweep is busy writing
        run_sweeps()
        expiring(org, 200)
        runs += 1
    print(json.dumps({"runs": runs}))


def renewer() -> None:
    from accounts.models import Organisatie, User
    from ketenmachtigingen.services import Contactpersoon, ketenmachtigingen_renew

    while FLAG and not os.path.exists(FLAG):
        time.sleep(0.05)
    org = Organisatie.objects.get(naam="Kantoor Race B.V.")
    actor = User.objects.get(email="beheer@race.nl")
    errors = []
    try:
        created = ketenmachtigingen_renew(
            actor=actor,
            organisatie=org,
            ontvangers={},
            contact=Contactpersoon("R.", "", "Race", "beheer@race.nl", "+31301234567"),
            akkoord_kosten=True,
            alle=True,
        )
    except Exception:  # noqa: BLE001 - reported to the test
        errors.append(traceback.format_exc())
        created = []
    print(json.dumps({"created": len(created), "errors": errors}))


def report() -> None:
    renewals = Ketenmachtiging.objects.filter(vernieuwing_van__isnull=False)
    mails = Mail.objects.filter(soort="ketenmachtigingen.uitnodiging")
    print(
        json.dumps(
            {
                "renewals": renewals.count(),
                "marked_sent": renewals.filter(uitnodiging_verzonden_op__isnull=False).count(),
                "mails": {m.ontvanger: m.status for m in mails},
                "mail_fouten": [m.fout for m in mails if m.fout],
            }
        )
    )


if __name__ == "__main__":
    {"setup": setup, "sweeper": sweeper, "renewer": renewer, "report": report}[sys.argv[1]]()
