"""The back office: find, mark received/incomplete/error, approve; the 3-month limit and two
staff members at once."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from ketenmachtigingen import services
from ketenmachtigingen.constants import Status
from ketenmachtigingen.exceptions import AlreadyProcessed, InvalidTransition, InvitationLapsed
from ketenmachtigingen.models import Ketenmachtiging
from outbox.delivery import deliver_due
from tests.conftest import verified_client
from tests.factories import KetenmachtigingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


@pytest.fixture
def staff_client(staff):
    return verified_client(staff)


def act(client, km, actie, **data):
    return client.post(
        reverse("ketenmachtigingen:backoffice_actie", args=[km.pk, actie]),
        {"expected_status": km.status, **data},
    )


def test_search_by_reference_kvk_or_name(staff_client):
    a = KetenmachtigingFactory(relatie_naam="Bakkerij Zoet B.V.", relatie_kvk_nummer="12340000")
    b = KetenmachtigingFactory(relatie_naam="Garage Snel", relatie_kvk_nummer="56780000")
    KetenmachtigingFactory(actief=True, relatie_naam="Al actief")
    url = reverse("ketenmachtigingen:backoffice")
    assert list(staff_client.get(url, {"q": a.kenmerk}).context["aanvragen"]) == [a]
    assert list(staff_client.get(url, {"q": "5678"}).context["aanvragen"]) == [b]
    assert list(staff_client.get(url, {"q": "zoet"}).context["aanvragen"]) == [a]
    names = {km.relatie_naam for km in staff_client.get(url).context["aanvragen"]}
    assert names == {"Bakkerij Zoet B.V.", "Garage Snel"}


def test_received_then_approved_starts_the_term(staff_client, staff):
    km = KetenmachtigingFactory(looptijd_jaren=3)
    assert act(staff_client, km, "ontvangen").status_code == 302
    km.refresh_from_db()
    assert km.status == Status.ONTVANGEN and km.ontvangen_op
    assert act(staff_client, km, "goedkeuren").status_code == 302
    km.refresh_from_db()
    today = timezone.localdate()
    assert km.status == Status.ACTIEF and km.startdatum == today
    assert km.einddatum == today.replace(year=today.year + 3)
    assert km.statuswijzigingen.last().actor == staff


def test_incomplete_mails_the_reason_once(staff_client, django_capture_on_commit_callbacks):
    km = KetenmachtigingFactory(relatie_contact_email="directie@relatie.nl")
    with django_capture_on_commit_callbacks(execute=True):
        response = act(staff_client, km, "incompleet", reden="De tweede handtekening ontbreekt.")
    assert response.status_code == 302
    km.refresh_from_db()
    assert km.status == Status.INCOMPLEET
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["directie@relatie.nl"]
    assert "De tweede handtekening ontbreekt." in mail.outbox[0].body
    assert deliver_due().sent == 0
    assert len(mail.outbox) == 1


def test_incomplete_and_error_need_a_reason(staff_client):
    km = KetenmachtigingFactory()
    for actie in ("incompleet", "fout"):
        assert act(staff_client, km, actie, reden="  ").status_code == 400
    km.refresh_from_db()
    assert km.status == Status.VERSTUURD


def test_error_with_reason(staff_client):
    km = KetenmachtigingFactory(ontvangen=True)
    act(staff_client, km, "fout", reden="Verkeerd KvK-nummer op het formulier")
    km.refresh_from_db()
    assert km.status == Status.FOUT and km.status_reden == "Verkeerd KvK-nummer op het formulier"


def test_a_form_after_three_months_is_refused(staff_client, staff):
    km = KetenmachtigingFactory(uitnodiging_geldig_tot=timezone.localdate() - timedelta(days=1))
    for actie in ("ontvangen", "goedkeuren"):
        response = act(staff_client, km, actie)
        assert response.status_code == 400
        assert "3 maanden" in response.content.decode()
    km.refresh_from_db()
    assert km.status == Status.VERSTUURD
    with pytest.raises(InvitationLapsed):
        services.backoffice_approve(actor=staff, km=km)


def test_stale_page_is_refused(staff_client, staff):
    km = KetenmachtigingFactory()
    seen = km.status
    services.backoffice_mark_received(actor=staff, km=km)
    response = staff_client.post(
        reverse("ketenmachtigingen:backoffice_actie", args=[km.pk, "fout"]),
        {"expected_status": seen, "reden": "x"},
    )
    assert response.status_code == 400
    km.refresh_from_db()
    assert km.status == Status.ONTVANGEN


def test_unknown_action_is_a_404(staff_client):
    km = KetenmachtigingFactory()
    assert act(staff_client, km, "verwijder").status_code == 404


def test_not_for_non_staff(world):
    km = KetenmachtigingFactory(intermediair=world.organisatie)
    client = verified_client(world.beheerder.user)
    assert client.get(reverse("ketenmachtigingen:backoffice")).status_code == 403
    assert act(client, km, "goedkeuren").status_code == 403
    km.refresh_from_db()
    assert km.status == Status.VERSTUURD


@pytest.mark.django_db(transaction=True)
@pytest.mark.integration
def test_two_staff_members_at_once_process_it_once():
    """On PostgreSQL with row locks: two approvals at the same moment, one wins."""
    km = KetenmachtigingFactory()
    first, second = UserFactory(is_staff=True), UserFactory(is_staff=True)
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(actor):
        try:
            barrier.wait()
            services.backoffice_approve(
                actor=actor,
                km=Ketenmachtiging.objects.get(pk=km.pk),
                expected_status=Status.VERSTUURD,
            )
            outcomes.append("ok")
        except (AlreadyProcessed, InvalidTransition):
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert km.statuswijzigingen.filter(naar=Status.ACTIEF).count() == 1
