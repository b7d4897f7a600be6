"""ASVS finding 4: the ketenmachtiging functions are for EH3. A beheerder below EH3 (or with a
means for the Belastingdienst only) cannot change who has access through groups, cannot change
the sender settings, reads no messages about ketenmachtigingen, exports no audit rows about them,
and sees no links to any of it."""

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from accounts.audit import audit_log
from accounts.constants import AuditAction, AuditKind, Rol
from berichtenbox.constants import Soort
from berichtenbox.models import Bericht
from berichtenbox.services import berichten_mail_queue
from tests.conftest import verified_client
from tests.factories import (
    GroepFactory,
    KetenmachtigingFactory,
    LidmaatschapFactory,
    OrganisatieFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["eh2plus", "belastingdienst_only"])
def scene(request):
    org = OrganisatieFactory()
    laag = LidmaatschapFactory(
        organisatie=org, rol=Rol.BEHEERDER, **{f"user__{request.param}": True}
    )
    hoog = LidmaatschapFactory(organisatie=org, rol=Rol.BEHEERDER)
    return org, laag.user, hoog.user


def test_groups_and_sender_settings_are_behind_the_eh3_gate(scene):
    org, laag, hoog = scene
    groep = GroepFactory(organisatie=org)
    client = verified_client(laag)
    for url in (
        reverse("groepen:lijst"),
        reverse("groepen:leden", args=[groep.pk]),
        reverse("groepen:diensten", args=[groep.pk]),
        reverse("ketenmachtigingen:afzender"),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(reverse("groepen:leden", args=[groep.pk]), {"leden": [laag.pk]})
    assert response.status_code == 403
    assert not groep.leden.exists()
    assert verified_client(hoog).get(reverse("groepen:lijst")).status_code == 200


def test_messages_about_ketenmachtigingen_are_not_for_a_beheerder_below_eh3(scene):
    org, laag, hoog = scene
    km_bericht = Bericht.objects.create(
        organisatie=org, soort=Soort.VERLENGING, onderwerp="Ketenmachtiging verloopt"
    )
    algemeen = Bericht.objects.create(
        organisatie=org, soort=Soort.WIJZIGING_ABONNEMENT, onderwerp="Abonnement gewijzigd"
    )
    client = verified_client(laag)
    page = client.get(reverse("berichtenbox:lijst")).content.decode()
    assert "Abonnement gewijzigd" in page and "Ketenmachtiging verloopt" not in page
    assert client.get(reverse("berichtenbox:bericht", args=[km_bericht.pk])).status_code == 404
    assert client.get(reverse("berichtenbox:bericht", args=[algemeen.pk])).status_code == 200
    # The menu's unread count counts only what this person may read.
    home = client.get(reverse("berichtenbox:lijst"))
    assert home.context["berichten_ongelezen"] == 0  # the one it may read was just opened
    # The e-mail that messages wait: about ketenmachtigingen only to the EH3 beheerder.
    with transaction.atomic():
        berichten_mail_queue([org.pk])
    from outbox.delivery import deliver_due

    deliver_due()
    to = {m.to[0]: m.body for m in mail.outbox}
    assert "Ketenmachtiging verloopt" in to[hoog.email]
    assert "Ketenmachtiging verloopt" not in to[laag.email]
    assert "Abonnement gewijzigd" in to[laag.email]


def test_audit_rows_about_ketenmachtigingen_are_not_for_a_beheerder_below_eh3(scene):
    org, laag, hoog = scene
    km = KetenmachtigingFactory(intermediair=org, relatie_naam="Geheime Relatie B.V.")
    with transaction.atomic():
        audit_log(
            actor=hoog,
            organisatie=org,
            action=AuditAction.UPDATE,
            kind=AuditKind.KETENMACHTIGING,
            obj=km,
            changes={"gebruikers": {"old": None, "new": ["x"]}},
        )
    laag_client, hoog_client = verified_client(laag), verified_client(hoog)
    for url in (
        reverse("accounts:overige_wijzigingen"),
        reverse("accounts:overige_wijzigingen_export") + "?format=csv",
    ):
        seen = (
            b"".join(hoog_client.get(url).streaming_content)
            if "export" in url
            else (hoog_client.get(url).content)
        )
        hidden = (
            b"".join(laag_client.get(url).streaming_content)
            if "export" in url
            else (laag_client.get(url).content)
        )
        assert b"Geheime Relatie" in seen and b"Geheime Relatie" not in hidden, url


def test_the_menu_shows_no_links_a_beheerder_below_eh3_cannot_use(scene):
    org, laag, hoog = scene
    page = verified_client(laag).get(reverse("home")).content.decode()
    for name in ("ketenmachtigingen:van_relaties", "groepen:lijst", "ketenmachtigingen:afzender"):
        assert f'href="{reverse(name)}"' not in page, name
    page = verified_client(hoog).get(reverse("home")).content.decode()
    for name in ("ketenmachtigingen:van_relaties", "groepen:lijst", "ketenmachtigingen:afzender"):
        assert f'href="{reverse(name)}"' in page, name
