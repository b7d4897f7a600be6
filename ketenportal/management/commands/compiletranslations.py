"""``manage.py compiletranslations``: compile our .po catalogues to .mo without GNU gettext.

``make run`` must work on a bare Debian with only Python; Django's ``compilemessages`` needs the
``msgfmt`` program. This compiles the catalogues under ``LOCALE_PATHS`` with polib (pure Python).
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile the project's translation catalogues (.po) to .mo files."

    def handle(self, *args, **options):
        count = 0
        for locale_path in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_path).glob("*/LC_MESSAGES/*.po")):
                try:
                    catalogue = polib.pofile(str(po_path))
                except (OSError, ValueError) as exc:
                    raise CommandError(f"{po_path}: {exc}") from exc
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                catalogue.save_as_mofile(str(mo_path))
                count += 1
        if options["verbosity"] > 0:
            self.stdout.write(f"Compiled {count} catalogue(s).")
