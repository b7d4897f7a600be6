"""Ketenmachtiging form: time to render the PDF with WeasyPrint.

Renders the form 40 times (after one warm-up) with a realistic context of 30 individual services
and prints one JSON object. Target: p95 under 500 ms. Needs no database.

    .venv/bin/python benchmarks/pdf_render.py
"""

import datetime
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketenportal.settings.test")

import django  # noqa: E402

django.setup()

from _django import timed  # noqa: E402

from ketenportal.utils.pdf import render_pdf  # noqa: E402
from ketenportal.utils.qr import qr_data_uri  # noqa: E402

TARGET_MS = 500.0
REPEAT = 40
PROVIDERS = ["Belastingdienst", "UWV", "Rijksdienst voor Ondernemend Nederland", "KVK", "CBS"]


def context() -> dict:
    """A form as a busy intermediary sends it: 30 services across five providers."""
    kenmerk = "KM-7K3F-Q9PD"
    verstuurd_op = datetime.date(2025, 8, 28)
    return {
        "kenmerk": kenmerk,
        "qr_data_uri": qr_data_uri(kenmerk),
        "platform": {
            "naam": "Z login",
            "postadres": ["Antwoordnummer 1234", "1000 AB Amsterdam"],
            "website": "https://www.zlogin.example",
            "support_email": "support@zlogin.example",
        },
        "intermediair": {
            "naam": "Administratiekantoor De Boer B.V.",
            "kvk_nummer": "12345678",
            "adres": "Stationsplein 1",
            "postcode_plaats": "3511 ED Utrecht",
        },
        "relatie": {
            "naam": "Bakkerij Jansen & Zonen V.O.F.",
            "kvk_nummer": "87654321",
            "rsin": "002564440",
            "adres": "Dorpsstraat 12",
            "postcode_plaats": "1234 AB Ergens",
            "land": "Nederland",
        },
        "contact_intermediair": {
            "naam": "Petra de Boer",
            "email": "petra@deboer.example",
            "telefoon": "030 123 4567",
        },
        "contact_relatie": {
            "naam": "Jan Jansen",
            "email": "jan@bakkerij.example",
            "telefoon": "06 12345678",
        },
        "algemene_bevoegdheid": False,
        "dienstverleners": PROVIDERS[:2],
        "diensten": [
            {
                "naam": f"Dienst {i + 1}: aangifte en opgave {i % 7 + 1}",
                "dienstverlener": PROVIDERS[i % len(PROVIDERS)],
                "niveau": "EH 3" if i % 3 else "EH 2+",
            }
            for i in range(30)
        ],
        "scope_text": "2 dienstverleners en 30 diensten",
        "looptijd_jaren": 5,
        "verstuurd_op": verstuurd_op,
        "uiterste_datum": datetime.date(2025, 11, 28),
        "tarief": "€ 12,50 excl. btw",
    }


def main() -> dict:
    ctx = context()
    figures = timed(
        lambda: render_pdf("pdf/ketenmachtiging_formulier.html", ctx, language="nl"),
        repeat=REPEAT,
    )
    return {
        "name": "pdf_render",
        "median_ms": figures["median_ms"],
        "p95_ms": figures["p95_ms"],
        "target_ms": int(TARGET_MS),
        "ok": figures["p95_ms"] < TARGET_MS,
    }


if __name__ == "__main__":
    print(json.dumps(main()))
