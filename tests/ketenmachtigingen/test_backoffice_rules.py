"""The back office follows the lifecycle: it offers (and accepts) only what ALLOWED_TRANSITIONS
allows for the status and the date, a mistaken Fout can be corrected, and the intermediair reads
Fout and Incompleet as the back office wrote them. Staff land on the back office."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.constants import AuditAction
from accounts.models import AuditEntry
from berichtenbox.models import Bericht
from ketenmachtigingen import services
from ketenmachtigingen.constants import ALLOWED_TRANSITIONS, Status
from ketenmachtigingen.exceptions import KetenmachtigingError
from ketenmachtigingen.models import StatusWijziging
from ketenmachtigingen.notifications import Event, event_for
from outbox.models import Mail
from tests.conftest import verified_client
from tests.factories import KetenmachtigingFactory, LidmaatschapFactory, UserFactory

pytestmark = pytest.mark.django_db

ACTIES = ("ontvangen", "incompleet", "fout", "goedkeuren", "herstel")


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


@pytest.fixture
def staff_client(staff):
    return verified_client(staff)


def actie_url(km, actie):
    return reverse("ketenmachtigingen:backoffice_actie", args=[km.pk, actie])


def act(client, km, actie, **data):
    return client.post(actie_url(km, actie), {"expected_status": km.status, **data})


def offered(client, km) -> set[str]:
    html = client.get(reverse("ketenmachtigingen:backoffice_detail", args=[km.pk])).content
    return {a for a in ACTIES if actie_url(km, a) in html.decode()}


def lapsed(**fields):
    return KetenmachtigingFactory(
        uitnodiging_geldig_tot=timezone.localdate() - timedelta(days=1), **fields
    )


# --- Only what the lifecycle allows -------------------------------------------------------------


def test_a_sent_request_offers_every_step(staff_client):
    assert offered(staff_client, KetenmachtigingFactory()) == {
        "ontvangen",
        "incompleet",
        "fout",
        "goedkeuren",
    }


def test_a_received_request_is_not_received_again(staff_client):
    km = KetenmachtigingFactory(ontvangen=True)
    assert offered(staff_client, km) == {"incompleet", "fout", "goedkeuren"}


@pytest.mark.parametrize("trait", [{}, {"incompleet": True}, {"fout": True}])
def test_a_lapsed_request_offers_nothing_and_accepts_nothing(staff_client, trait):
    km = lapsed(**trait)
    assert offered(staff_client, km) == set()
    for actie in ACTIES:
        response = act(staff_client, km, actie, reden="x")
        assert response.status_code == 400, actie
        assert "3 maanden" in response.content.decode()
    km.refresh_from_db()
    assert km.status == {"incompleet": Status.INCOMPLEET, "fout": Status.FOUT}.get(
        next(iter(trait), ""), Status.VERSTUURD
    )
    assert not StatusWijziging.objects.filter(ketenmachtiging=km).exists()


def test_a_fout_request_offers_only_the_correction(staff_client):
    km = KetenmachtigingFactory(fout=True)
    assert offered(staff_client, km) == {"herstel"}
    for actie in ("goedkeuren", "ontvangen", "incompleet"):
        response = act(staff_client, km, actie, reden="x")
        assert response.status_code == 400
        assert "niet mogelijk" in response.content.decode()
    km.refresh_from_db()
    assert km.status == Status.FOUT


@pytest.mark.parametrize("trait", ["actief", "beeindigd", "verlopen"])
def test_a_processed_one_offers_nothing_and_refuses_clearly(staff_client, trait):
    km = KetenmachtigingFactory(**{trait: True})
    assert offered(staff_client, km) == set()
    for actie in ACTIES:
        response = act(staff_client, km, actie, reden="x")
        assert response.status_code == 400, actie
        assert "niet mogelijk" in response.content.decode()


@pytest.mark.parametrize("status", [Status.VERSTUURD, Status.ONTVANGEN, Status.INCOMPLEET])
def test_the_offer_is_what_allowed_transitions_allow(status):
    km = KetenmachtigingFactory(status=status)
    targets = {
        "ontvangen": Status.ONTVANGEN,
        "incompleet": Status.INCOMPLEET,
        "fout": Status.FOUT,
        "goedkeuren": Status.ACTIEF,
    }
    assert set(services.backoffice_actions(km)) == {
        actie for actie, target in targets.items() if target in ALLOWED_TRANSITIONS[status]
    }


# --- Correcting a mistaken Fout -----------------------------------------------------------------


def test_a_mistaken_error_on_a_sent_request_is_corrected_without_a_new_invitation(
    staff_client, staff, django_capture_on_commit_callbacks
):
    km = KetenmachtigingFactory(relatie_contact_email="directie@relatie.nl")
    before = (km.verstuurd_op, km.uitnodiging_geldig_tot)
    services.backoffice_mark_error(actor=staff, km=km, reden="Verkeerde relatie")
    km.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        response = act(staff_client, km, "herstel", reden="Per ongeluk op Fout gezet")
    assert response.status_code == 302
    km.refresh_from_db()
    assert km.status == Status.VERSTUURD
    assert (km.verstuurd_op, km.uitnodiging_geldig_tot) == before  # the same invitation and term
    # No new invitation, no e-mail to the relatie at all.
    assert not Mail.objects.filter(soort__startswith="ketenmachtigingen.").exists()
    change = km.statuswijzigingen.last()
    assert (change.van, change.naar, change.reden, change.actor) == (
        Status.FOUT,
        Status.VERSTUURD,
        "Per ongeluk op Fout gezet",
        staff,
    )
    audit = AuditEntry.objects.filter(action=AuditAction.TRANSITION).order_by("pk").last()
    assert audit.changes["status"] == {"old": Status.FOUT, "new": Status.VERSTUURD}
    assert audit.actor == staff


def test_a_mistaken_error_on_a_received_form_goes_back_to_received(staff_client, staff):
    km = KetenmachtigingFactory(ontvangen=True, ontvangen_op=timezone.now() - timedelta(days=3))
    ontvangen_op = km.ontvangen_op
    services.backoffice_mark_error(actor=staff, km=km, reden="Verkeerd")
    km.refresh_from_db()
    assert act(staff_client, km, "herstel", reden="Vergissing").status_code == 302
    km.refresh_from_db()
    assert km.status == Status.ONTVANGEN and km.ontvangen_op == ontvangen_op
    # Then it is processed as usual.
    assert offered(staff_client, km) == {"incompleet", "fout", "goedkeuren"}


def test_a_received_form_marked_fout_can_be_corrected_after_the_deadline(staff_client, staff):
    """The form arrived in time; the mistaken Fout must not make it lapse."""
    km = KetenmachtigingFactory(ontvangen=True)
    services.backoffice_mark_error(actor=staff, km=km, reden="Verkeerd")
    # The deadline passes while it waits in Fout.
    km.__class__.objects.filter(pk=km.pk).update(
        uitnodiging_geldig_tot=timezone.localdate() - timedelta(days=1)
    )
    km.refresh_from_db()
    assert offered(staff_client, km) == {"herstel"}
    assert act(staff_client, km, "herstel", reden="Vergissing").status_code == 302
    km.refresh_from_db()
    assert km.status == Status.ONTVANGEN


def test_the_correction_needs_a_reason(staff_client, staff):
    km = KetenmachtigingFactory(fout=True)
    assert act(staff_client, km, "herstel", reden=" ").status_code == 400
    km.refresh_from_db()
    assert km.status == Status.FOUT
    with pytest.raises(KetenmachtigingError):
        services.backoffice_correct(actor=staff, km=km, reden="")


def test_the_correction_tells_the_intermediair_it_is_back_in_processing(staff):
    lid = LidmaatschapFactory(rol="beheerder")
    km = KetenmachtigingFactory(intermediair=lid.organisatie, ontvangen=True)
    services.backoffice_mark_error(actor=staff, km=km, reden="Verkeerd")
    Bericht.objects.all().delete()
    services.backoffice_correct(actor=staff, km=km, reden="Vergissing")
    bericht = Bericht.objects.get()
    assert bericht.organisatie == lid.organisatie
    assert bericht.sjabloon == "ketenmachtigingen.correctie"
    assert "Vergissing" in bericht.inhoud


def test_the_map_maps_a_correction_and_keeps_the_resend():
    assert event_for(Status.FOUT, Status.ONTVANGEN) == Event.CORRECTIE
    assert event_for(Status.FOUT, Status.INCOMPLEET) == Event.CORRECTIE
    # After an error the intermediair sends the invitation again: that is a new invitation.
    assert event_for(Status.FOUT, Status.VERSTUURD) == Event.AANGEVRAAGD


# --- What the intermediair reads ----------------------------------------------------------------


@pytest.fixture
def beheerder_client(world):
    return verified_client(world.beheerder.user)


def test_the_fout_reason_is_shown_as_written(world, beheerder_client):
    km = KetenmachtigingFactory(
        intermediair=world.organisatie,
        fout=True,
        status_reden="Handtekening van de verkeerde persoon.",
    )
    html = beheerder_client.get(km.get_absolute_url()).content.decode()
    assert "Er is een fout gevonden in deze aanvraag" in html
    assert "Handtekening van de verkeerde persoon." in html
    assert "versturen van de uitnodiging" not in html
    assert "KvK-nummer heeft" not in html
    # What the beheerder can do: send it again or withdraw.
    assert reverse("ketenmachtigingen:opnieuw_versturen", args=[km.pk]) in html
    assert reverse("ketenmachtigingen:beeindig", args=[km.pk]) in html


def test_incompleet_shows_the_reason_and_what_to_do(world, beheerder_client):
    km = KetenmachtigingFactory(
        intermediair=world.organisatie,
        incompleet=True,
        status_reden="De tweede handtekening ontbreekt.",
    )
    html = beheerder_client.get(km.get_absolute_url()).content.decode()
    assert "De tweede handtekening ontbreekt." in html
    assert "volledige" in html and km.uitnodiging_geldig_tot.strftime("%d-%m-%Y") in html
    assert reverse("ketenmachtigingen:opnieuw_versturen", args=[km.pk]) in html


def test_incompleet_resend_sends_the_same_invitation_again(world, beheerder_client):
    km = KetenmachtigingFactory(
        intermediair=world.organisatie, incompleet=True, relatie_contact_email="d@relatie.nl"
    )
    before = (km.verstuurd_op, km.uitnodiging_geldig_tot)
    response = beheerder_client.post(
        reverse("ketenmachtigingen:opnieuw_versturen", args=[km.pk]), follow=True
    )
    assert "wordt opnieuw verstuurd" in response.content.decode()
    km.refresh_from_db()
    assert km.status == Status.INCOMPLEET
    assert (km.verstuurd_op, km.uitnodiging_geldig_tot) == before
    mail = Mail.objects.get(soort="ketenmachtigingen.uitnodiging_opnieuw")
    assert mail.ontvanger == "d@relatie.nl"
    assert AuditEntry.objects.filter(message="invitation sent again").exists()


def test_incompleet_resend_after_the_deadline_is_refused(world, staff):
    km = lapsed(intermediair=world.organisatie, incompleet=True)
    with pytest.raises(KetenmachtigingError) as exc:
        services.ketenmachtiging_resend(actor=world.beheerder.user, km=km)
    assert exc.value.code == "lapsed"


def test_incompleet_resend_e_mail_says_what_is_missing(world, django_capture_on_commit_callbacks):
    from django.core import mail

    km = KetenmachtigingFactory(
        intermediair=world.organisatie,
        incompleet=True,
        status_reden="De tweede handtekening ontbreekt.",
        relatie_contact_email="d@relatie.nl",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.ketenmachtiging_resend(actor=world.beheerder.user, km=km)
    [message] = [m for m in mail.outbox if m.to == ["d@relatie.nl"]]
    assert "De tweede handtekening ontbreekt." in message.body
    assert message.attachments  # the form, again


# --- Staff land on the back office --------------------------------------------------------------


def test_staff_without_an_organisation_land_on_the_back_office(staff_client):
    response = staff_client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("ketenmachtigingen:backoffice_start")


def test_staff_who_belong_to_an_organisation_see_their_home(world):
    user = world.beheerder.user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    assert verified_client(user).get(reverse("home")).status_code == 200


def test_people_without_an_organisation_still_get_the_explanation(db):
    response = verified_client(UserFactory()).get(reverse("home"))
    assert response.status_code == 200
    assert "hoort nog niet bij een organisatie" in response.content.decode()


def test_a_fout_set_by_the_system_is_not_corrected_by_the_back_office(staff_client):
    """An invitation that could not be delivered made the request Fout: "correcting" it back
    to "Aanvraag verstuurd" would claim an invitation that never arrived. The intermediair
    sends it again instead."""
    from django.db import transaction

    from ketenmachtigingen.constants import Status as S
    from tests.factories import KetenmachtigingFactory as F

    km = F()
    with transaction.atomic():
        km.transition_to(S.FOUT, actor=None, reden="550 mailbox unavailable")
    assert services.backoffice_actions(km) == []
    assert offered(staff_client, km) == set()
    response = act(staff_client, km, "herstel", reden="Toch goed")
    assert response.status_code == 400
    km.refresh_from_db()
    assert km.status == S.FOUT
