"""``manage.py import_dienstencatalogus FILE``: import the eHerkenning service catalogue."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from diensten.catalogue import CatalogueError
from diensten.services import catalogus_import


class Command(BaseCommand):
    help = (
        "Import an eHerkenning dienstencatalogus (XML, namespace urn:etoegang:1.13 or 1.11). "
        "Creates and updates services by ServiceUUID and marks services that left the catalogue "
        "as withdrawn. The signature is not verified."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            with file.open("rb") as source:
                result = catalogus_import(actor=None, source=source)
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from exc
        except CatalogueError as exc:
            raise CommandError(f"{file}: {exc}. Nothing was imported.") from exc
        self.stdout.write(
            f"New: {result.new}, changed: {result.changed}, withdrawn: {result.withdrawn}, "
            f"unchanged: {result.unchanged}."
        )
