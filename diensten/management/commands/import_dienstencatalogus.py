"""``manage.py import_dienstencatalogus FILE``: import the eHerkenning service catalogue."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from diensten.catalogue import CatalogueError
from diensten.services import catalogus_import
from ketenportal.utils.text import met_punt


class Command(BaseCommand):
    help = (
        "Import an eHerkenning dienstencatalogus (XML, namespace urn:etoegang:1.13 or 1.11). "
        "Creates and updates services by ServiceUUID and marks services that left the catalogue "
        "as withdrawn. The signature is not verified."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="the language of the messages (default: the portal's, LANGUAGE_CODE)",
        )

    def handle(self, *args, file: Path, language: str, **options):
        with translation.override(language):
            self.stdout.write(self.run(file))

    def run(self, file: Path) -> str:
        try:
            with file.open("rb") as source:
                result = catalogus_import(actor=None, source=source)
        except OSError as exc:
            raise CommandError(
                _("%(file)s: %(reason)s Nothing was imported.")
                % {"file": file, "reason": met_punt(exc.strerror or str(exc))}
            ) from exc
        except CatalogueError as exc:
            raise CommandError(
                _("%(file)s: %(reason)s Nothing was imported.")
                % {"file": file, "reason": met_punt(str(exc))}
            ) from exc
        return _(
            "New: %(new)s, changed: %(changed)s, withdrawn: %(withdrawn)s, "
            "unchanged: %(unchanged)s."
        ) % {
            "new": result.new,
            "changed": result.changed,
            "withdrawn": result.withdrawn,
            "unchanged": result.unchanged,
        }
