"""Queries per page at 1,000 and at 20,000 ketenmachtigingen, and the overview's cost relative to
a trivial page.

Two intermediairs in one database, one with 1,000 and one with 20,000 ketenmachtigingen (with
users, groups, services and messages in proportion). Every main page of a beheerder is requested
for both; the number of SQL statements must be the same: a page whose queries grow with the data
has an N+1 somewhere. The overview (20,000) is timed against the profile page, a trivial page
through the same middleware and layout, in the same process and run: the ratio says what the
overview costs whatever the machine.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ketenportal BENCH_KEEPDB=1 \\
        .venv/bin/python benchmarks/page_scaling.py
"""

import json
import random
import sys
import time

from _django import (
    bench_database,
    count_queries,
    database_vendor,
    fresh_factory_sequences,
    settle,
    timed,
)

SIZES = (1_000, 20_000)
MAX_QUERIES = 25  # per page, at any size
MAX_RATIO = 15.0  # overview p95 / trivial page p95
STATUSES = (
    ["actief"] * 70
    + ["aanvraag_verstuurd"] * 10
    + ["aanvraag_ontvangen"] * 3
    + ["incompleet"] * 2
    + ["fout"] * 1
    + ["verlopen"] * 10
    + ["beeindigd"] * 4
)


def generate(organisatie, size: int, dienst_ids: list[int]) -> None:
    """``size`` ketenmachtigingen for ``organisatie`` with links and messages, in bulk."""
    from dateutil.relativedelta import relativedelta
    from django.utils import timezone

    from berichtenbox.models import Bericht
    from ketenmachtigingen.models import Ketenmachtiging
    from tests.factories import GroepFactory, LidmaatschapFactory

    rng = random.Random(size)
    today = timezone.localdate()
    now = timezone.now()
    leden = [LidmaatschapFactory(organisatie=organisatie).pk for _ in range(max(10, size // 500))]
    groepen = [
        GroepFactory(organisatie=organisatie, naam=f"Groep {i}").pk
        for i in range(max(3, size // 2000))
    ]
    rows = []
    for n in range(size):
        status = rng.choice(STATUSES)
        start = today - relativedelta(days=rng.randint(0, 1800))
        with_term = status in ("actief", "verlopen", "beeindigd")
        rows.append(
            Ketenmachtiging(
                kenmerk=f"KM-S{size // 1000:02d}{n:06d}"[:12],
                intermediair=organisatie,
                intermediair_naam=organisatie.naam,
                intermediair_kvk_nummer=organisatie.kvk_nummer,
                relatie_naam=f"Relatie {rng.choice(['Jansen', 'De Vries', 'Bakker'])} {n}",
                relatie_kvk_nummer=f"{30000000 + size + n:08d}",
                status=status,
                algemene_bevoegdheid=n % 3 == 0,
                startdatum=start if with_term else None,
                einddatum=start + relativedelta(years=5) if with_term else None,
                verstuurd_op=now - relativedelta(days=rng.randint(0, 80)),
                uitnodiging_geldig_tot=today + relativedelta(days=rng.randint(-5, 85)),
            )
        )
    kms = Ketenmachtiging.objects.bulk_create(rows, batch_size=5000)
    through = Ketenmachtiging
    through.gebruikers.through.objects.bulk_create(
        [
            through.gebruikers.through(ketenmachtiging_id=k.pk, lidmaatschap_id=rng.choice(leden))
            for k in kms
        ],
        batch_size=5000,
    )
    through.groepen.through.objects.bulk_create(
        [
            through.groepen.through(ketenmachtiging_id=k.pk, groep_id=rng.choice(groepen))
            for k in kms[::4]
        ],
        batch_size=5000,
    )
    through.diensten.through.objects.bulk_create(
        [
            through.diensten.through(ketenmachtiging_id=k.pk, dienst_id=rng.choice(dienst_ids))
            for k in kms
            if not k.algemene_bevoegdheid
        ],
        batch_size=5000,
    )
    Bericht.objects.bulk_create(
        [
            Bericht(
                organisatie=organisatie,
                soort="verlenging",
                onderwerp=f"Ketenmachtiging {k.kenmerk} verloopt binnenkort",
                tekst="De ketenmachtiging verloopt binnenkort.",
                gelezen_op=now if i % 2 else None,
            )
            for i, k in enumerate(kms[::20])
        ],
        batch_size=5000,
    )


def pages(organisatie):
    """(label, path, params) of the main pages of a beheerder of ``organisatie``."""
    from django.urls import reverse

    from groepen.models import Groep
    from ketenmachtigingen.models import Ketenmachtiging

    overview = reverse("ketenmachtigingen:van_relaties")
    km = Ketenmachtiging.objects.filter(intermediair=organisatie, status="actief").first()
    groep = Groep.objects.filter(organisatie=organisatie).first()
    result = [("home", reverse("home"), {})]
    for tab in ("actief", "wachtend", "acties", "verlopen", "historie"):
        result.append((f"overview {tab}", overview, {"tab": tab}))
    result += [
        ("overview search", overview, {"tab": "actief", "q": "jansen"}),
        ("overview page 5", overview, {"tab": "actief", "page": "5"}),
        ("detail", reverse("ketenmachtigingen:detail", args=[km.pk]), {}),
        ("export csv (search)", reverse("ketenmachtigingen:export"), {"format": "csv", "q": "1"}),
        ("groepen", reverse("groepen:lijst"), {}),
        ("groep", reverse("groepen:detail", args=[groep.pk]), {}),
        ("gebruikers", reverse("accounts:gebruikers"), {}),
        ("berichtenbox", reverse("berichtenbox:lijst"), {}),
        ("afgegeven", reverse("ketenmachtigingen:afgegeven"), {}),
        ("profiel", reverse("accounts:profiel"), {}),
    ]
    return result


def fetch(client, path, params):
    response = client.get(path, params)
    assert response.status_code == 200, (path, response.status_code)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def main() -> dict:
    with bench_database("bench_page_scaling"):
        fresh_factory_sequences()
        from django.urls import reverse

        from accounts.models import Organisatie
        from diensten.models import Dienst
        from ketenmachtigingen.models import Ketenmachtiging
        from tests.conftest import verified_client
        from tests.factories import DienstFactory, LidmaatschapFactory, OrganisatieFactory

        setup_seconds = 0.0
        organisaties = {}
        for size in SIZES:
            name = f"Schaal {size}"
            organisatie = Organisatie.objects.filter(naam=name).first()
            count = Ketenmachtiging.objects.filter(intermediair=organisatie).count()
            if organisatie is None or count != size:
                print(f"generating {size} ketenmachtigingen", file=sys.stderr)
                start = time.perf_counter()
                if organisatie is not None:
                    organisatie.delete()
                organisatie = OrganisatieFactory(naam=name)
                dienst_ids = list(Dienst.objects.values_list("pk", flat=True)[:50])
                dienst_ids += [DienstFactory().pk for _ in range(50 - len(dienst_ids))]
                generate(organisatie, size, dienst_ids)
                settle()
                setup_seconds += time.perf_counter() - start
            organisaties[size] = organisatie

        queries: dict[str, dict[int, int]] = {}
        clients = {}
        for size, organisatie in organisaties.items():
            beheerder = LidmaatschapFactory(organisatie=organisatie, rol="beheerder").user
            clients[size] = client = verified_client(beheerder)
            for label, path, params in pages(organisatie):
                fetch(client, path, params)  # warm up
                with count_queries() as executed:
                    fetch(client, path, params)
                queries.setdefault(label, {})[size] = len(executed)

        large = clients[SIZES[-1]]
        overview = reverse("ketenmachtigingen:van_relaties")
        trivial = reverse("accounts:profiel")
        overview_timing = timed(lambda: fetch(large, overview, {"tab": "actief"}), repeat=30)
        trivial_timing = timed(lambda: fetch(large, trivial, {}), repeat=30)
        ratio = overview_timing["p95_ms"] / trivial_timing["p95_ms"]

        small, big = SIZES
        constant = all(q[small] == q[big] for q in queries.values())
        within = all(max(q.values()) <= MAX_QUERIES for q in queries.values())
        return {
            "name": "page_scaling",
            "database": database_vendor(),
            "sizes": list(SIZES),
            "setup_seconds": round(setup_seconds, 1),
            "queries": {label: {str(k): v for k, v in q.items()} for label, q in queries.items()},
            "queries_constant": constant,
            "max_queries": MAX_QUERIES,
            "overview_ms": overview_timing,
            "trivial_ms": trivial_timing,
            "ratio": round(ratio, 2),
            "max_ratio": MAX_RATIO,
            "ok": constant and within and ratio < MAX_RATIO,
        }


if __name__ == "__main__":
    print(json.dumps(main()))
