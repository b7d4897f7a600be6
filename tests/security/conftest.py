import pytest

from .common import People, make_people


@pytest.fixture
def people(world) -> People:
    return make_people(world)


@pytest.fixture(autouse=True)
def worker_heartbeat():
    """A recent worker heartbeat, so /health/ answers 200 when Redis is configured (it says 503
    without a worker; that answer is tested in tests/accounts/test_profiel.py)."""
    from ketenportal.tasks import heartbeat

    heartbeat()
