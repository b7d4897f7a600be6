"""Import of a 5,000-row file: from upload to preview, as a beheerder experiences it.

The upload request stores the file; the reading task (run inline here) reads the rows, looks
every company up in the local KvK backend and checks for existing ketenmachtigingen. Measures the
whole path and the process's peak memory. Targets: under 10 s, under 300 MB.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ketenportal BENCH_KEEPDB=1 \\
        .venv/bin/python benchmarks/import_preview.py
"""

import io
import json
import random
import resource
import tempfile
import time
from pathlib import Path
from unittest import mock

from _django import bench_database, database_vendor, fresh_factory_sequences

ROWS = 5000
TARGET_SECONDS = 10.0
TARGET_MB = 300.0


def build_dataset(path) -> list[str]:
    """A local KvK dataset of 5,000 companies (the shipped one holds about fifty)."""
    numbers = [f"{50000000 + 7919 * n:08d}" for n in range(ROWS)]
    records = [
        {
            "naam": f"Bench Bedrijf {n} B.V.",
            "kvk_nummer": k,
            "rsin": "",
            "straat": "Dorpsstraat",
            "huisnummer": str(n % 200 + 1),
            "postcode": "1234AB",
            "plaats": "Utrecht",
        }
        for n, k in enumerate(numbers)
    ]
    path.write_text(json.dumps({"fouten": {}, "bedrijven": records}))
    return numbers


def build_file(known: list[str]) -> bytes:
    import openpyxl

    from ketenmachtigingen.imports import build_template

    rng = random.Random(7)
    wb = openpyxl.load_workbook(io.BytesIO(build_template()))
    ws = wb["Bedrijven"]
    for r in range(2, ROWS + 2):
        # Mostly known companies (with duplicates reported), some unknown numbers.
        # Nine in ten rows are known companies; the others are unknown numbers.
        kvk = known[r - 2] if r % 10 else f"{rng.randint(10000000, 49999999)}"
        phone = rng.choice(["06-12345678", "06 1234 5678", "+31 6 12345678", "0031612345678"])
        values = [
            int(kvk) if r % 7 == 0 else kvk,
            "A.B.",
            "van" if r % 5 == 0 else "",
            f"Contact {r} ",
            f" Contact{r}@Example.NL",
            phone,
            f"R{r}",
        ]
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def main() -> dict:
    with bench_database():
        fresh_factory_sequences()
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.test.utils import override_settings
        from django.urls import reverse

        from ketenmachtigingen.kvk import LocalBackend
        from ketenmachtigingen.models import Import
        from tests.conftest import verified_client
        from tests.factories import LidmaatschapFactory, OrganisatieFactory

        organisatie = OrganisatieFactory(naam="Import bench B.V.")
        client = verified_client(LidmaatschapFactory(organisatie=organisatie, rol="beheerder").user)
        dataset = Path(tempfile.mkdtemp()) / "kvk-bench.json"
        content = build_file(build_dataset(dataset))
        backend = mock.patch(
            "ketenmachtigingen.kvk.client.get_backend", return_value=LocalBackend(dataset)
        )
        backend.start()
        start = time.perf_counter()
        # The reading task runs inline, when the upload's transaction commits.
        with override_settings(TASKS_IN_BACKGROUND_THREAD=False, CELERY_TASK_ALWAYS_EAGER=True):
            response = client.post(
                reverse("ketenmachtigingen:import"),
                {"bestand": SimpleUploadedFile("relaties.xlsx", content)},
            )
            imp = Import.objects.filter(organisatie=organisatie).latest("pk")
        seconds = time.perf_counter() - start
        backend.stop()
        page_start = time.perf_counter()
        preview = client.get(imp.get_absolute_url())
        page_seconds = time.perf_counter() - page_start
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {
            "name": "import_preview",
            "database": database_vendor(),
            "rows": ROWS,
            "status": imp.status,
            "companies_found": len(imp.regels),
            "problems": len(imp.problemen),
            "upload_to_preview_seconds": round(seconds, 2),
            "preview_page_seconds": round(page_seconds, 3),
            "peak_rss_mb": round(peak_mb, 1),
            "targets": {"seconds": TARGET_SECONDS, "peak_rss_mb": TARGET_MB},
            "ok": response.status_code == 302
            and preview.status_code == 200
            and imp.status == "gelezen"
            and seconds < TARGET_SECONDS
            and peak_mb < TARGET_MB,
        }


if __name__ == "__main__":
    print(json.dumps(main()))
