"""Shared set-up for benchmark scripts: Django on a database of its own.

Scripts run against ``DATABASE_URL`` (PostgreSQL for real figures); they create a separate
database (the test database name) so a developer's data is never touched, and keep it between
runs when ``BENCH_KEEPDB=1``. Each script prints one JSON object.
"""

import os
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketenportal.settings.test")


@contextmanager
def bench_database(name: str = "bench_ketenportal", *, keep: bool | None = None):
    """Django on the benchmark database ``name``: created (and migrated) when missing, and kept
    for the next run when ``BENCH_KEEPDB=1`` unless ``keep=False`` (scripts whose data grows with
    every run start from an empty database each time)."""
    import django

    django.setup()
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases

    # A database of the benchmarks' own, never the test suite's.
    connections["default"].settings_dict.setdefault("TEST", {})["NAME"] = name

    if keep is None:
        keep = os.environ.get("BENCH_KEEPDB") == "1"
    # No serialisation of the contents: with 200,000 kept rows that alone takes minutes.
    old = setup_databases(verbosity=0, interactive=False, keepdb=keep, serialized_aliases=set())
    try:
        yield
    finally:
        teardown_databases(old, verbosity=0, keepdb=keep)


def settle() -> None:
    """After generating data: ``VACUUM (ANALYZE)`` on PostgreSQL, as autovacuum does with a live
    database. Without it the first scans of fresh rows also write their hint bits and the
    planner has no statistics, and the first run measures that instead of the code."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")


def quiet_database(timeout: float = 120) -> float:
    """Before a measurement that runs for a while: wait until no autovacuum worker runs, and
    write the dirty buffers out now (``CHECKPOINT``, if allowed), so that neither the vacuum nor
    a checkpoint of the data an earlier benchmark wrote competes for the cores and the disk
    during the run. Returns the seconds it took."""
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        return 0.0
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
            )
            if cursor.fetchone()[0] == 0:
                break
        time.sleep(1)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError:
        pass  # needs superuser or pg_checkpoint; without it the run simply takes its chances
    return round(time.perf_counter() - start, 1)


def timed(fn: Callable[[], object], *, repeat: int) -> dict[str, float]:
    """Milliseconds per call: median, 95th percentile and max over ``repeat`` calls."""
    fn()  # warm up caches and connections
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 2),
        "max_ms": round(samples[-1], 2),
    }


def database_vendor() -> str:
    from django.db import connection

    return connection.vendor


@contextmanager
def count_queries():
    """Count the SQL statements run inside the block (``.count`` on the yielded list)."""
    from django.db import connection

    executed: list[str] = []

    def wrapper(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield executed


def fresh_factory_sequences() -> None:
    """Start the test factories' sequences at a random offset, so a kept database never gets a
    duplicate username or KvK number from an earlier run."""
    import random as _random

    from tests import factories

    offset = _random.randint(1_000, 5_000_000)
    for name in dir(factories):
        obj = getattr(factories, name)
        if (
            isinstance(obj, type)
            and hasattr(obj, "reset_sequence")
            and obj is not factories.factory.django.DjangoModelFactory
        ):
            try:
                obj.reset_sequence(offset)
            except Exception:  # noqa: BLE001 - abstract or non-model factories
                pass
