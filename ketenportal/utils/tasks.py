"""Dispatching tasks after commit, the same way in every setting.

With a broker (production, ``REDIS_URL``) a task goes to the Celery worker. In the embedded
default (``make run``, no Redis) Celery runs tasks eagerly; long work (an import of hundreds of
companies, a bulk renewal) would then block the request, so ``TASKS_IN_BACKGROUND_THREAD`` runs
them in a thread of the web process instead: the page shows real progress, as in production.
Tests run them inline.
"""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections, connection, transaction

logger = logging.getLogger("ketenportal.tasks")
_state = threading.local()


def _run_in_thread(task, args: tuple) -> None:
    def target() -> None:
        # Tasks that this task dispatches run in this same thread, one after the other, instead
        # of starting a thread each (fifty invitations must not become fifty threads).
        _state.in_background = True
        try:
            task.apply(args=args, throw=True)
        except Exception:  # noqa: BLE001 - a background failure must be logged, not lost
            logger.exception("background task %s failed", task.name)
        finally:
            connection.close()

    close_old_connections()
    threading.Thread(target=target, name=f"task-{task.name}", daemon=True).start()


def dispatch(task, *args) -> None:
    """Run ``task`` with ``args`` once the current transaction commits."""

    def send() -> None:
        if getattr(_state, "in_background", False):
            task.apply(args=args, throw=True)
        elif settings.CELERY_TASK_ALWAYS_EAGER and getattr(
            settings, "TASKS_IN_BACKGROUND_THREAD", False
        ):
            _run_in_thread(task, args)
        else:
            task.delay(*args)

    transaction.on_commit(send)
