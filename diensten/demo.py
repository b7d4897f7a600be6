"""Demo data of the diensten app: the shipped catalogue (called by ``seed_demo``)."""

from pathlib import Path

from .services import catalogus_import

CATALOGUE = Path(__file__).resolve().parent / "data" / "dienstencatalogus.xml"


def seed(stdout) -> None:
    with CATALOGUE.open("rb") as source:
        result = catalogus_import(actor=None, source=source)
    if not result.nothing_changed:
        stdout.write(
            f"Service catalogue: {result.new} new, {result.changed} changed, "
            f"{result.withdrawn} withdrawn."
        )
