"""Pruning what the accounts keep only for a while: run by the periodic jobs (Celery beat's
``accounts.tasks.prune_task`` once a day, and ``manage.py run_jobs``).

* sessions past their expiry (Django keeps them in the database until deleted);
* the login history and django-axes' access logs after ``LOGIN_HISTORY_RETENTION_DAYS``;
* django-axes' failure counters once their cool-off has passed (a lock ends then anyway);
* the records of sent SMS codes (the SMS throttle's basis) after ``SMS_RECORD_RETENTION_DAYS``.

Set-based deletes; each is safe to run twice and at once.
"""

from datetime import datetime, timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from .models import LoginEvent, SmsSend


def prune(now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    history = now - timedelta(days=settings.LOGIN_HISTORY_RETENTION_DAYS)
    cooloff = now - timedelta(hours=float(settings.AXES_COOLOFF_TIME or 0.5))
    return {
        "sessions": Session.objects.filter(expire_date__lt=now).delete()[0],
        "login_events": LoginEvent.objects.filter(timestamp__lt=history).delete()[0],
        "axes_attempts": AccessAttempt.objects.filter(attempt_time__lt=cooloff).delete()[0],
        "axes_logs": AccessLog.objects.filter(attempt_time__lt=history).delete()[0],
        "axes_failures": AccessFailureLog.objects.filter(attempt_time__lt=history).delete()[0],
        "sms_sends": SmsSend.objects.filter(
            sent_at__lt=now - timedelta(days=settings.SMS_RECORD_RETENTION_DAYS)
        ).delete()[0],
    }
