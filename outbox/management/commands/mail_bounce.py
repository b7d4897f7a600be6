"""``manage.py mail_bounce [FILE …]``: record bounces (delivery status notifications).

Point the mailbox that receives bounces for ``DEFAULT_FROM_EMAIL`` at this command, e.g. in
Postfix ``/etc/aliases``: ``noreply: "|/app/.venv/bin/python /app/manage.py mail_bounce"``.
It reads one e-mail from standard input (or each FILE), and marks the e-mail it reports as
undeliverable; the people concerned are told (berichtenbox, history).
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from outbox.bounces import parse_bounce
from outbox.delivery import record_bounce


class Command(BaseCommand):
    help = "Record a bounce (delivery status notification) read from stdin or files."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="E-mail files; standard input without.")

    def handle(self, *args, files: list[str], **options):
        sources = [Path(f).read_bytes() for f in files] or [sys.stdin.buffer.read()]
        for raw in sources:
            bounce = parse_bounce(raw)
            if bounce is None:
                self.stdout.write("not a failure report: ignored")
                continue
            mail = record_bounce(message_id=bounce.message_id, detail=bounce.detail)
            if mail is None:
                self.stdout.write("no sent e-mail with that Message-ID: ignored")
            else:
                self.stdout.write(f"mail {mail.pk} marked undeliverable")
