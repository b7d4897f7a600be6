"""``manage.py run_jobs``: run the time-driven sweeps once, or every few minutes with --loop.

Production runs them from Celery beat; the embedded default (``make run``, no Redis) runs this
with --loop beside the web server, so reminders, expiry and lapsed invitations happen there too.
"""

import time

from django.core.management.base import BaseCommand

from ketenmachtigingen.jobs import run_sweeps


class Command(BaseCommand):
    help = "Run the periodic sweeps (renewal notices, expiry, lapsed invitations, reminders)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Repeat until stopped.")
        parser.add_argument("--interval", type=int, default=300, help="Seconds between runs.")

    def handle(self, *args, loop: bool, interval: int, **options):
        while True:
            counts = run_sweeps()
            if options["verbosity"] > 0:
                self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
            if not loop:
                return
            time.sleep(max(interval, 10))
