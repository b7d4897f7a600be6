"""EH-middelen from the top of the house: the expiry notice (frozen time, once per term), the
home page's to-do line, and deactivating a colleague (the preview and its effect)."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from accounts.constants import MiddelStatus, Rol
from accounts.models import AuditEntry, EHMiddel
from berichtenbox.models import Bericht
from ketenmachtigingen import dashboard
from ketenmachtigingen.jobs import run_sweeps
from ketenmachtigingen.services.deactiveren import gebruiker_deactivate
from ketenportal.exceptions import DomainError
from tests.conftest import verified_client
from tests.factories import EHMiddelFactory, LidmaatschapFactory

pytestmark = pytest.mark.django_db
AMSTERDAM = dt.timezone(dt.timedelta(hours=1))


def at(day: dt.date, hour: int = 3):
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, hour, tzinfo=AMSTERDAM), tick=False
    )


@pytest.fixture
def org(world):
    world.beheerder.user.email = "beheer@alpha.nl"
    world.beheerder.user.save()
    return world.organisatie


def test_expiry_notice_two_months_ahead_once_per_term(
    org, world, django_capture_on_commit_callbacks
):
    middel = EHMiddelFactory(
        organisatie=org,
        houder=world.gebruiker.user,
        uitgegeven_op=dt.date(2024, 6, 1),
        geldig_tot=dt.date(2027, 6, 1),
    )
    with at(dt.date(2027, 3, 31)), django_capture_on_commit_callbacks(execute=True):
        assert run_sweeps()["ehmiddelen_verlopend"] == 0  # not yet due
    assert not Bericht.objects.filter(soort="eh_middel").exists()

    with at(dt.date(2027, 4, 1)), django_capture_on_commit_callbacks(execute=True):
        assert run_sweeps()["ehmiddelen_verlopend"] == 1
    bericht = Bericht.objects.get(soort="eh_middel")
    assert bericht.organisatie == org
    assert "01-06-2027" in bericht.titel and str(world.gebruiker.user) in bericht.titel
    assert bericht.link == reverse("accounts:ehmiddel", args=[middel.pk])
    middel.refresh_from_db()
    assert middel.verloopmelding_voor == dt.date(2027, 6, 1)
    assert [m.to for m in mail.outbox] == [["beheer@alpha.nl"]]

    # Twice: nothing more.
    with at(dt.date(2027, 4, 2)), django_capture_on_commit_callbacks(execute=True):
        assert run_sweeps()["ehmiddelen_verlopend"] == 0
    assert Bericht.objects.filter(soort="eh_middel").count() == 1 and len(mail.outbox) == 1

    # A new term (the means was extended) gets its own notice.
    EHMiddel.objects.filter(pk=middel.pk).update(geldig_tot=dt.date(2030, 6, 1))
    with at(dt.date(2030, 4, 5)), django_capture_on_commit_callbacks(execute=True):
        assert run_sweeps()["ehmiddelen_verlopend"] == 1
    assert Bericht.objects.filter(soort="eh_middel").count() == 2


def test_no_notice_for_a_revoked_means(org, world):
    EHMiddelFactory(
        organisatie=org,
        houder=world.gebruiker.user,
        uitgegeven_op=dt.date(2024, 6, 1),
        geldig_tot=dt.date(2027, 6, 1),
        ingetrokken=True,
    )
    with at(dt.date(2027, 5, 1)):
        assert run_sweeps()["ehmiddelen_verlopend"] == 0


def test_the_message_reads_in_dutch_and_english(org, world):
    EHMiddelFactory(
        organisatie=org,
        houder=world.gebruiker.user,
        uitgegeven_op=dt.date(2024, 6, 1),
        geldig_tot=dt.date(2027, 6, 1),
    )
    with at(dt.date(2027, 5, 1)):
        run_sweeps()
    bericht = Bericht.objects.get(soort="eh_middel")
    from django.utils import translation

    with translation.override("nl"):
        assert "verloopt op 01-06-2027" in bericht.titel
    with translation.override("en"):
        assert "expires on 01-06-2027" in bericht.titel


def test_the_to_do_list_has_a_line_for_means_that_expire_soon(org, world):
    EHMiddelFactory(
        organisatie=org,
        houder=world.gebruiker.user,
        uitgegeven_op=dt.date(2024, 6, 1),
        geldig_tot=dt.date(2027, 6, 1),
    )
    with at(dt.date(2027, 5, 2)):
        cijfers = dashboard.organisatie_cijfers(organisaties=[org])[org.pk]
        taken = dashboard.takenlijst(organisatie=org, cijfers=cijfers)
        (taak,) = [t for t in taken if t.soort == "ehmiddel"]
        assert taak.aantal == 1 and taak.dagen == 30
        assert taak.url.startswith(reverse("accounts:ehmiddelen"))
        assert taak.tekst == "1 EH-middel verloopt binnen 2 maanden"
        other = dashboard.organisatie_cijfers(organisaties=[world.other_organisatie])
        other_taken = dashboard.takenlijst(
            organisatie=world.other_organisatie, cijfers=other[world.other_organisatie.pk]
        )
        assert not [t for t in other_taken if t.soort == "ehmiddel"]


# --- Deactivating a colleague -----------------------------------------------------------------


def test_deactivation_preview_lists_what_the_colleague_loses(world):
    client = verified_client(world.beheerder.user)
    url = reverse("ketenmachtigingen:gebruiker_deactiveer", args=[world.gebruiker.pk])
    response = client.get(url)
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.ketenmachtigingen == [world.km]
    assert preview.groepen == [world.groep]
    assert preview.middelen == [world.ehmiddel]
    page = response.content.decode()
    assert world.km.relatie_naam in page and world.groep.naam in page
    # Nothing changed by looking.
    world.gebruiker.user.refresh_from_db()
    assert world.gebruiker.user.is_active
    # Another organisation's member is a 404, GET and POST.
    foreign = reverse("ketenmachtigingen:gebruiker_deactiveer", args=[world.other_gebruiker.pk])
    assert client.get(foreign).status_code == 404
    assert client.post(foreign).status_code == 404
    world.other_gebruiker.user.refresh_from_db()
    assert world.other_gebruiker.user.is_active


def test_deactivation_ends_sessions_and_removes_from_ketenmachtigingen_and_groups(world):
    colleague = world.gebruiker.user
    colleague_client = verified_client(colleague)
    assert colleague_client.get(reverse("home")).status_code == 200
    client = verified_client(world.beheerder.user)
    url = reverse("ketenmachtigingen:gebruiker_deactiveer", args=[world.gebruiker.pk])
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:gebruikers")
    colleague.refresh_from_db()
    assert not colleague.is_active
    assert not world.km.gebruikers.filter(pk=world.gebruiker.pk).exists()
    assert not world.groep.leden.filter(pk=world.gebruiker.pk).exists()
    world.ehmiddel.refresh_from_db()
    assert world.ehmiddel.status == MiddelStatus.INGETROKKEN
    # Their session has ended.
    response = colleague_client.get(reverse("home"))
    assert response.status_code == 302 and "login" in response["Location"]
    # One row sums it up (the removals have their own rows, as single removals do).
    (entry,) = AuditEntry.objects.filter(
        object_type="accounts.user", object_id=colleague.pk, message="deactivated"
    )
    assert entry.actor == world.beheerder.user and entry.organisatie == world.organisatie
    assert entry.changes["is_active"] == {"old": True, "new": False}
    assert entry.changes["groepen"]["old"] == [world.groep.naam]
    assert AuditEntry.objects.filter(
        object_type="ketenmachtigingen.ketenmachtiging", object_id=world.km.pk, message="unlinked"
    ).exists()
    # The other organisation's people are untouched.
    assert world.other_km.gebruikers.filter(pk=world.other_gebruiker.pk).exists()


def test_deactivation_is_refused_for_oneself_the_last_beheerder_and_other_members(world):
    beheerder = world.beheerder
    with pytest.raises(DomainError):
        gebruiker_deactivate(actor=beheerder.user, lidmaatschap=beheerder)
    # A colleague who also belongs to another organisation.
    LidmaatschapFactory(user=world.gebruiker.user, organisatie=world.other_organisatie)
    with pytest.raises(DomainError):
        gebruiker_deactivate(actor=beheerder.user, lidmaatschap=world.gebruiker)
    # The only beheerder, deactivated by staff-less means: another beheerder acting.
    second = LidmaatschapFactory(organisatie=world.organisatie, rol=Rol.BEHEERDER)
    gebruiker_deactivate(actor=second.user, lidmaatschap=beheerder)
    with pytest.raises(DomainError):
        gebruiker_deactivate(actor=world.gebruiker.user, lidmaatschap=second)
    client = verified_client(second.user)
    page = client.get(reverse("ketenmachtigingen:gebruiker_deactiveer", args=[world.gebruiker.pk]))
    assert page.status_code == 200 and page.context["preview"].problem
