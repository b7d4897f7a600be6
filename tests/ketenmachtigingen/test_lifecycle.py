"""The guarded lifecycle: every (from, to) pair, history and audit rows, effective status."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.constants import AuditAction
from accounts.models import AuditEntry
from ketenmachtigingen.constants import ALLOWED_TRANSITIONS, Status
from ketenmachtigingen.exceptions import InvalidTransition
from ketenmachtigingen.models import Ketenmachtiging, StatusWijziging
from tests.factories import KetenmachtigingFactory, UserFactory

pytestmark = pytest.mark.django_db

PAIRS = list(itertools.product(Status.values, Status.values))


def make(status: str) -> Ketenmachtiging:
    traits = {
        Status.ACTIEF: {"actief": True},
        Status.VERLOPEN: {"verlopen": True},
        Status.BEEINDIGD: {"beeindigd": True},
    }.get(status, {})
    km = KetenmachtigingFactory(**traits)
    if status not in traits:
        km.status = status
        km.save()
    return km


@pytest.mark.parametrize(("old", "new"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_transition_pair(old, new):
    km = make(old)
    actor = UserFactory()
    allowed = new in ALLOWED_TRANSITIONS[old]
    if not allowed:
        with pytest.raises(InvalidTransition):
            km.transition_to(new, actor=actor)
        km.refresh_from_db()
        assert km.status == old
        assert not StatusWijziging.objects.filter(ketenmachtiging=km).exists()
        assert not AuditEntry.objects.filter(action=AuditAction.TRANSITION).exists()
        return
    km.transition_to(new, actor=actor, reden="test")
    km.refresh_from_db()
    assert km.status == new
    history = StatusWijziging.objects.get(ketenmachtiging=km)
    assert (history.van, history.naar, history.actor, history.reden) == (old, new, actor, "test")
    audit = AuditEntry.objects.get(action=AuditAction.TRANSITION)
    assert audit.changes["status"] == {"old": old, "new": new}
    assert audit.organisatie == km.intermediair and audit.actor == actor
    if new == Status.ACTIEF:
        assert km.startdatum and km.einddatum.year == km.startdatum.year + km.looptijd_jaren
    if new == Status.VERSTUURD:
        assert km.uitnodiging_geldig_tot > timezone.localdate()


def test_final_statuses_have_no_way_out():
    for status in (Status.VERLOPEN, Status.BEEINDIGD, Status.VERVALLEN):
        assert ALLOWED_TRANSITIONS[status] == set()


def test_database_refuses_an_active_one_without_term():
    from django.db import IntegrityError

    km = KetenmachtigingFactory()
    # The CheckConstraint is on the table: even a direct update without a term fails.
    with pytest.raises(IntegrityError):
        Ketenmachtiging.objects.filter(pk=km.pk).update(status=Status.ACTIEF)


def test_effective_status_before_jobs_run():
    today = timezone.localdate()
    expired = KetenmachtigingFactory(actief=True, einddatum=today - timedelta(days=1))
    assert expired.effective_status() == Status.VERLOPEN
    ending = KetenmachtigingFactory(actief=True, einde_gepland_op=today + timedelta(days=3))
    assert ending.effective_status() == Status.ACTIEF
    assert ending.effective_status(today + timedelta(days=3)) == Status.BEEINDIGD
    lapsed = KetenmachtigingFactory(uitnodiging_geldig_tot=today - timedelta(days=1))
    assert lapsed.effective_status() == Status.VERVALLEN and lapsed.invitation_lapsed()
    received = KetenmachtigingFactory(
        ontvangen=True, uitnodiging_geldig_tot=today - timedelta(days=1)
    )
    assert received.effective_status() == Status.ONTVANGEN


def test_days_left_and_renewal_due():
    today = timezone.localdate()
    km = KetenmachtigingFactory(uitnodiging_geldig_tot=today + timedelta(days=10))
    assert km.days_left() == 10
    due = KetenmachtigingFactory(actief=True, einddatum=today + timedelta(days=60))
    assert due.renewal_due()
    assert not KetenmachtigingFactory(actief=True).renewal_due()
