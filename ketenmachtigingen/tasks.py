"""Tasks of ketenmachtigingen. They take ids, load fresh rows and are safe to run twice."""

from celery import shared_task


@shared_task(acks_late=True)
def read_import(import_id: int) -> None:
    from .services import import_read

    import_read(import_id=import_id)


@shared_task(acks_late=True)
def process_import(import_id: int) -> None:
    from .services import import_process

    import_process(import_id=import_id)


@shared_task(acks_late=True)
def run_sweeps_task() -> dict:
    """Celery beat runs this regularly (SWEEP_INTERVAL_MINUTES); see jobs.py."""
    from .jobs import run_sweeps

    return run_sweeps()


@shared_task(acks_late=True)
def weekoverzicht_task() -> int:
    """Celery beat runs this on Monday morning; see weekoverzicht.py (once per person per week,
    so a second run adds nothing)."""
    from .weekoverzicht import weekoverzicht_queue

    return weekoverzicht_queue()
