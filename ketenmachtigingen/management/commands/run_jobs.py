"""``manage.py run_jobs``: the periodic work once, or every minute with --loop.

One run: the time-driven sweeps, the "messages are waiting" e-mails, on Monday mornings the
weekly overview (once per person per week, however often it runs), delivery of every e-mail in
the outbox that is due (new ones, retries, and any a stopped worker left), delivery of the
webhook events that are due (``api.webhooks.delivery``, the same way), and pruning of expired
sessions and old login records (accounts/jobs.py) and of the webhook delivery log. Production
runs the same steps from Celery beat; the embedded default (``make run``, no Redis) runs this
with --loop beside the web server. The ``api`` app sits above this one, so its steps are named
by their dotted path rather than imported.
"""

import time

from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from accounts.jobs import prune
from berichtenbox.services import berichten_mail_queue
from ketenmachtigingen.jobs import run_sweeps
from ketenmachtigingen.weekoverzicht import weekoverzicht_queue_if_due
from outbox.delivery import deliver_due


class Command(BaseCommand):
    help = (
        "Run the periodic work: sweeps (renewal notices, expiry, lapsed invitations, "
        "reminders), then deliver the e-mails that are due."
    )

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="Repeat until stopped.")
        parser.add_argument("--interval", type=int, default=60, help="Seconds between runs.")

    def handle(self, *args, loop: bool, interval: int, **options):
        while True:
            counts = run_sweeps()
            counts["berichten_mails"] = berichten_mail_queue()
            weekoverzicht = weekoverzicht_queue_if_due()
            if weekoverzicht is not None:
                counts["weekoverzicht"] = weekoverzicht
            counts.update({f"mails_{k}": v for k, v in deliver_due().as_dict().items()})
            webhooks = import_string("api.webhooks.delivery.deliver_due")()
            counts.update({f"webhooks_{k}": v for k, v in webhooks.as_dict().items()})
            counts.update({f"pruned_{k}": v for k, v in prune().items()})
            counts.update(
                {
                    f"pruned_{k}": v
                    for k, v in import_string("api.webhooks.delivery.prune")().items()
                }
            )
            if options["verbosity"] > 0:
                self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
            if not loop:
                return
            time.sleep(max(interval, 5))
