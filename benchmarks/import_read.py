"""Spreadsheet import: time and memory to read 5,000 companies from an uploaded workbook.

Builds a file in memory the way intermediairs send them (KvK numbers as numbers that lost their
leading zero or with spaces and dots, phone numbers in every notation, e-mail addresses with
capitals and spaces, a few empty and a few wrong rows), then reads it with
``read_import_file`` and prints one JSON object. Target: under 5 seconds. Needs Django settings
but no database.

    .venv/bin/python benchmarks/import_read.py
"""

import io
import json
import os
import random
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketenportal.settings.test")

import django  # noqa: E402

django.setup()

import openpyxl  # noqa: E402

from ketenmachtigingen.imports import build_template, read_import_file  # noqa: E402

ROWS = 5000
TARGET_SECONDS = 5.0
REPEAT = 3

VOORLETTERS = ["J.", "A.B.", "P", " M. ", "H.J.", "K"]
TUSSENVOEGSELS = ["", "", "", "van", "de", "van der", " van  den "]
ACHTERNAMEN = ["Jansen", "de Vries", "Bakker", "Visser ", "Smit", "Meijer", "El Amrani", "Öztürk"]


def kvk(i: int) -> object:
    number = 1_000_000 + i * 17  # some with 7 digits: stored as a number they lost a zero
    text = f"{number:08d}"
    return random.choice(
        [number, text, f"{text[:4]} {text[4:]}", ".".join(text[j : j + 2] for j in (0, 2, 4, 6))]
    )


def telefoon(i: int) -> object:
    rest = f"{12_000_000 + i * 7}"  # 8 digits after "06", in a range that is handed out
    return random.choice(
        [
            f"06-{rest}",
            f"06 {rest[:4]} {rest[4:]}",
            f"+31 6 {rest}",
            f"+31(0)6 {rest}",
            f"0031 6 {rest}",
            int(f"6{rest}"),  # a number cell without the 0
            f"020-{rest[:7]}",
        ]
    )


def build_file() -> bytes:
    """The downloadable template filled in with ROWS messy rows, 1% wrong, some gaps."""
    random.seed(2025)
    workbook = openpyxl.load_workbook(io.BytesIO(build_template()))
    sheet = workbook["Bedrijven"]
    r = 2
    for i in range(ROWS):
        if i % 250 == 0:
            r += 1  # an empty row now and then
        achternaam = random.choice(ACHTERNAMEN)
        local = achternaam.strip().replace(" ", ".").replace("Ö", "O").replace("ü", "u")
        email = f" {local}.{i}@Klant-{i % 97}.NL "
        values = [
            kvk(i),
            random.choice(VOORLETTERS),
            random.choice(TUSSENVOEGSELS),
            achternaam,
            email if i % 100 else "geen-adres",
            telefoon(i),
            f"Dossier {i}" if i % 3 else None,
        ]
        for c, value in enumerate(values, start=1):
            sheet.cell(row=r, column=c, value=value)
        r += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def main() -> None:
    data = build_file()
    rss_before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    samples = []
    result = None
    for _ in range(REPEAT):
        start = time.perf_counter()
        result = read_import_file(io.BytesIO(data), filename="klanten.xlsx")
        samples.append(time.perf_counter() - start)
    seconds = statistics.median(samples)
    # ru_maxrss is in kilobytes on Linux. It includes building the file above, hence also the
    # value before reading and tracemalloc's figure for the read alone.
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    tracemalloc.start()
    read_import_file(io.BytesIO(data), filename="klanten.xlsx")
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(
        json.dumps(
            {
                "name": "import_read",
                "rows": ROWS,
                "file_kb": round(len(data) / 1024, 1),
                "rows_read": len(result.rows),
                "problems": len(result.problems),
                "seconds": round(seconds, 3),
                "max_seconds": round(max(samples), 3),
                "peak_rss_mb": round(peak_rss_mb, 1),
                "rss_before_read_mb": round(rss_before_mb, 1),
                "tracemalloc_peak_mb": round(traced_peak / (1024 * 1024), 1),
                "target_seconds": TARGET_SECONDS,
                "ok": seconds < TARGET_SECONDS,
            }
        )
    )


if __name__ == "__main__":
    main()
