"""The request wizard's steps: server time of each step's page and of posting it, with the
shipped service catalogue and an organisation of 300 users and 30 groups. Target: under 100 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ketenportal \\
        .venv/bin/python benchmarks/wizard_steps.py
"""

import io
import json

from _django import bench_database, database_vendor, fresh_factory_sequences, timed

TARGET_MS = 100.0


def main() -> dict:
    with bench_database("bench_wizard", keep=False):
        fresh_factory_sequences()
        from django.urls import reverse

        from diensten.demo import seed as seed_catalogue
        from diensten.models import Dienst
        from tests.conftest import verified_client
        from tests.factories import GroepFactory, LidmaatschapFactory, OrganisatieFactory

        if not Dienst.objects.exists():
            seed_catalogue(io.StringIO())
        organisatie = OrganisatieFactory(naam="Wizard bench B.V.")
        beheerder = LidmaatschapFactory(organisatie=organisatie, rol="beheerder").user
        leden = [LidmaatschapFactory(organisatie=organisatie) for _ in range(300)]
        for i in range(30):
            GroepFactory(organisatie=organisatie, naam=f"Groep {i}")
        client = verified_client(beheerder)
        wizard = reverse("ketenmachtigingen:nieuw")
        dienst_ids = list(
            Dienst.objects.usable_via_ketenmachtiging().values_list("pk", flat=True)[:5]
        )
        steps = {
            "1": {"stap": "1", "nummer": "68750110"},
            "2": {"stap": "2", "scope-diensten": dienst_ids},
            "3": {"stap": "3", "gebruikers": [m.pk for m in leden[:10]]},
            "4": {"stap": "4", "looptijd": "5"},
        }
        results = {}
        for number, data in steps.items():
            results[f"step{number}_page"] = timed(
                lambda n=number: client.get(wizard, {"stap": n}), repeat=40
            )
            results[f"step{number}_post"] = timed(lambda d=data: client.post(wizard, d), repeat=40)
        results["versturen_page"] = timed(
            lambda: client.get(reverse("ketenmachtigingen:versturen")), repeat=40
        )
        worst = max(r["p95_ms"] for r in results.values())
        return {
            "name": "wizard_steps",
            "database": database_vendor(),
            "steps": results,
            "worst_p95_ms": worst,
            "target_ms": TARGET_MS,
            "ok": worst < TARGET_MS,
        }


if __name__ == "__main__":
    print(json.dumps(main()))
