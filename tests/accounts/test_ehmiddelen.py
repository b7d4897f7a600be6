"""EH-middelen: the list per organisation (scoped, filtered, exported), requesting a means, and
the back office issuing or refusing it; the colleague's e-mail link sets a password."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from accounts.constants import AuditKind, MiddelAanvraagStatus, MiddelStatus, Rol
from accounts.ehmiddelen import services
from accounts.models import AuditEntry, EHMiddel, EHMiddelAanvraag, Lidmaatschap, User
from ketenportal.exceptions import DomainError
from outbox.models import Mail
from tests.conftest import verified_client
from tests.factories import (
    EHMiddelAanvraagFactory,
    EHMiddelFactory,
    OrganisatieFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_a(world):
    return verified_client(world.beheerder.user)


def test_list_shows_only_the_organisations_means(world, client_a):
    world.other_gebruiker.user.last_name = "Buitenstaander"
    world.other_gebruiker.user.save()
    response = client_a.get(reverse("accounts:ehmiddelen"))
    assert response.status_code == 200
    assert list(response.context["middelen"]) == [world.ehmiddel]
    assert "Buitenstaander" not in response.content.decode()


def test_another_organisations_means_is_a_404(world, client_a):
    own = client_a.get(reverse("accounts:ehmiddel", args=[world.ehmiddel.pk]))
    assert own.status_code == 200
    foreign = client_a.get(reverse("accounts:ehmiddel", args=[world.other_ehmiddel.pk]))
    assert foreign.status_code == 404


def test_a_gebruiker_may_not_see_the_means(world):
    client = verified_client(world.gebruiker.user)
    assert client.get(reverse("accounts:ehmiddelen")).status_code == 403
    assert client.get(reverse("accounts:ehmiddelen_export")).status_code == 403


def test_status_and_expiry_filters(world, client_a):
    today = timezone.localdate()
    verlopen = EHMiddelFactory(
        organisatie=world.organisatie,
        houder=world.beheerder.user,
        uitgegeven_op=today - timedelta(days=1200),
        geldig_tot=today - timedelta(days=1),
    )
    binnenkort = EHMiddelFactory(
        organisatie=world.organisatie, houder=world.beheerder.user, geldig_tot=today + timedelta(40)
    )
    ingetrokken = EHMiddelFactory(organisatie=world.organisatie, ingetrokken=True)
    url = reverse("accounts:ehmiddelen")

    def listed(**params):
        return set(client_a.get(url, params).context["middelen"])

    assert listed(status="verlopen") == {verlopen}
    assert listed(status="ingetrokken") == {ingetrokken}
    assert listed(status="actief") == {world.ehmiddel, binnenkort}
    assert listed(verloopt="on") == {binnenkort}
    assert verlopen.current_status() == MiddelStatus.VERLOPEN
    # A hand-edited value is not applied, never a 500.
    assert client_a.get(url, {"status": "onbekend"}).status_code == 200


def test_export_csv_and_xlsx_hold_only_the_organisations_means(world, client_a):
    world.gebruiker.user.voorletters = world.gebruiker.user.first_name = ""
    world.gebruiker.user.last_name = "=HYPERLINK(1)"
    world.gebruiker.user.save()
    response = client_a.get(reverse("accounts:ehmiddelen_export"), {"format": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert len(rows) == 2
    assert rows[1][0].startswith("'")  # neutralised, not a formula
    assert rows[1][2] == "EH3"
    xlsx = client_a.get(reverse("accounts:ehmiddelen_export"), {"format": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


# --- Requesting a means -----------------------------------------------------------------------


def test_a_beheerder_requests_a_means_for_a_colleague(world, client_a):
    response = client_a.post(
        reverse("accounts:ehmiddel_aanvragen"),
        {
            "voornaam": "Sanne",
            "achternaam": "de Wit",
            "email": "sanne@example.nl",
            "telefoonnummer": "0612345678",
            "niveau": "urn:etoegang:core:assurance-class:loa3",
            "soort": "sms",
            # Ignored: not fields of the form.
            "organisatie": world.other_organisatie.pk,
            "status": "uitgegeven",
        },
    )
    assert response.status_code == 302
    aanvraag = EHMiddelAanvraag.objects.get(email="sanne@example.nl")
    assert aanvraag.organisatie == world.organisatie
    assert aanvraag.status == MiddelAanvraagStatus.INGEDIEND
    assert aanvraag.aangevraagd_door == world.beheerder.user
    entry = AuditEntry.objects.get(object_type="accounts.ehmiddelaanvraag", object_id=aanvraag.pk)
    assert entry.organisatie == world.organisatie and entry.kind == AuditKind.GEBRUIKER
    # It shows on the organisation's page, not on another's.
    assert "sanne@example.nl" in client_a.get(reverse("accounts:ehmiddelen")).content.decode()
    other = verified_client(world.other_beheerder.user)
    assert "sanne@example.nl" not in other.get(reverse("accounts:ehmiddelen")).content.decode()


def test_request_refuses_a_level_below_eh2_plus(world):
    with pytest.raises(DomainError):
        services.ehmiddel_aanvraag_create(
            actor=world.beheerder.user,
            organisatie=world.organisatie,
            voornaam="A",
            achternaam="B",
            email="a@example.nl",
            telefoonnummer="+31612345678",
            niveau="urn:etoegang:core:assurance-class:loa2",
            soort="app",
        )


def test_only_staff_see_the_back_office_requests(world, client_a):
    assert client_a.get(reverse("accounts:backoffice_ehmiddelen")).status_code == 403
    staff = verified_client(UserFactory(is_staff=True))
    response = staff.get(reverse("accounts:backoffice_ehmiddelen"))
    assert response.status_code == 200
    assert world.ehmiddel_aanvraag in response.context["aanvragen"]


def test_issuing_creates_account_membership_and_means_and_mails_a_set_password_link(
    world, settings
):
    settings.SITE_URL = "http://127.0.0.1:8000"
    aanvraag = EHMiddelAanvraagFactory(
        organisatie=world.organisatie, email="nieuw@example.nl", soort="sms"
    )
    staff_user = UserFactory(is_staff=True)
    staff = verified_client(staff_user)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = staff.post(reverse("accounts:backoffice_ehmiddel_uitgeven", args=[aanvraag.pk]))
    assert response.status_code == 302
    aanvraag.refresh_from_db()
    assert aanvraag.status == MiddelAanvraagStatus.UITGEGEVEN
    middel = aanvraag.middel
    user = middel.houder
    assert middel.organisatie == world.organisatie and middel.status == MiddelStatus.ACTIEF
    assert middel.soort == "sms" and user.tweede_factor == "sms"
    assert not user.has_usable_password()
    assert Lidmaatschap.objects.get(user=user).organisatie == world.organisatie
    assert Lidmaatschap.objects.get(user=user).rol == Rol.GEBRUIKER
    types = set(
        AuditEntry.objects.filter(organisatie=world.organisatie, actor=staff_user).values_list(
            "object_type", flat=True
        )
    )
    assert types == {
        "accounts.user",
        "accounts.lidmaatschap",
        "accounts.ehmiddel",
        "accounts.ehmiddelaanvraag",
    }

    (message,) = mail.outbox
    assert message.to == ["nieuw@example.nl"]
    link = re.search(r"http://127.0.0.1:8000(\S+)", message.body).group(1)
    client = Client()
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": "Een-nieuw-wachtwoord-42", "new_password2": "Een-nieuw-wachtwoord-42"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Een-nieuw-wachtwoord-42")

    # Handled once: a second issue or a refusal afterwards is refused.
    with pytest.raises(DomainError):
        services.ehmiddel_aanvraag_issue(actor=staff_user, aanvraag=aanvraag)
    with pytest.raises(DomainError):
        services.ehmiddel_aanvraag_refuse(actor=staff_user, aanvraag=aanvraag, reden="x")
    assert User.objects.filter(email="nieuw@example.nl").count() == 1


def test_refusing_needs_a_reason_and_creates_nothing(world):
    aanvraag = world.ehmiddel_aanvraag
    staff_user = UserFactory(is_staff=True)
    staff = verified_client(staff_user)
    url = reverse("accounts:backoffice_ehmiddel_weigeren", args=[aanvraag.pk])
    assert staff.post(url, {"reden": ""}).status_code == 400
    response = staff.post(url, {"reden": "Identiteit niet vastgesteld"})
    assert response.status_code == 302
    aanvraag.refresh_from_db()
    assert aanvraag.status == MiddelAanvraagStatus.GEWEIGERD
    assert aanvraag.reden == "Identiteit niet vastgesteld"
    assert aanvraag.behandeld_door == staff_user
    assert not User.objects.filter(email=aanvraag.email).exists()
    assert not Mail.objects.exists()
    assert AuditEntry.objects.filter(
        object_type="accounts.ehmiddelaanvraag", object_id=aanvraag.pk, actor=staff_user
    ).exists()


def test_the_menu_has_eh_means_for_beheerders(world, client_a):
    page = client_a.get(reverse("accounts:gebruikers")).content.decode()
    assert reverse("accounts:ehmiddelen") in page


def test_data_migration_made_one_means_per_membership():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("accounts.migrations.0010_eh_middelen_from_memberships")
    user = UserFactory(tweede_factor="sms", eh_niveau="urn:etoegang:core:assurance-class:loa2")
    Lidmaatschap.objects.create(user=user, organisatie=OrganisatieFactory())
    EHMiddel.objects.all().delete()
    migration.forwards(apps, None)
    (middel,) = EHMiddel.objects.filter(houder=user)
    assert middel.soort == "sms"
    assert middel.niveau == "urn:etoegang:core:assurance-class:loa2plus"
