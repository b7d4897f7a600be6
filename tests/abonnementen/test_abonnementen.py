"""Subscriptions: the lifecycle through the services, its audit rows, who is told (berichtenbox
and e-mail), "Vraag toegang aan" without duplicates, and the back office's screens."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from abonnementen import services
from abonnementen.constants import AbonnementStatus
from abonnementen.models import Abonnement
from abonnementen.selectors import toegang
from accounts.constants import AuditKind, Rol
from accounts.models import AuditEntry
from berichtenbox.constants import Soort
from berichtenbox.models import Bericht
from berichtenbox.services import berichten_mail_queue
from ketenportal.exceptions import DomainError
from outbox.delivery import deliver_due
from tests.conftest import verified_client
from tests.factories import (
    AbonnementFactory,
    LidmaatschapFactory,
    OrganisatieFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
S = AbonnementStatus


@pytest.fixture
def org():
    return OrganisatieFactory(naam="Nieuw Kantoor B.V.", abonnement=False)


@pytest.fixture
def beheerder(org):
    return LidmaatschapFactory(organisatie=org, rol=Rol.BEHEERDER, user__taal="nl").user


@pytest.fixture
def staff():
    return UserFactory(is_staff=True, email="bo@ketenportal.example", taal="en")


@pytest.fixture
def staff_client(staff):
    return verified_client(staff)


def audit_rows(abonnement):
    return AuditEntry.objects.filter(
        kind=AuditKind.ORGANISATIE,
        object_type="abonnementen.abonnement",
        object_id=str(abonnement.pk),
    )


def mails_to(address):
    return [m for m in mail.outbox if address in m.to]


# --- The services -----------------------------------------------------------------------------


def test_request_access_once_tells_the_back_office_and_the_organisation(org, beheerder, staff):
    abonnement, nieuw = services.toegang_aanvragen(actor=beheerder, organisatie=org)
    assert nieuw and abonnement.status == S.AANGEVRAAGD
    assert abonnement.toegang_aangevraagd_door == beheerder
    again, nieuw_again = services.toegang_aanvragen(actor=beheerder, organisatie=org)
    assert again.pk == abonnement.pk and not nieuw_again
    assert Abonnement.objects.filter(organisatie=org).count() == 1
    assert audit_rows(abonnement).count() == 1
    row = audit_rows(abonnement).get()
    assert row.organisatie == org and row.actor == beheerder
    assert row.changes["status"] == {"old": None, "new": "aangevraagd"}
    berichten = Bericht.objects.filter(organisatie=org, soort=Soort.WIJZIGING_ABONNEMENT)
    assert berichten.count() == 1
    deliver_due()
    to_bo = mails_to(staff.email)
    assert len(to_bo) == 1, "one e-mail to the back office, not one per click"
    assert "Nieuw Kantoor B.V." in to_bo[0].subject and "requests access" in to_bo[0].subject
    assert reverse("abonnementen:backoffice_detail", args=[abonnement.pk]) in to_bo[0].body


def test_without_staff_addresses_the_support_address_is_told(org, beheerder, settings):
    settings.PLATFORM_SUPPORT_EMAIL = "support@example.org"
    services.toegang_aanvragen(actor=beheerder, organisatie=org)
    deliver_due()
    assert len(mails_to("support@example.org")) == 1


def test_the_whole_lifecycle_is_audited_and_told(org, beheerder, staff):
    today = timezone.localdate()
    abonnement = services.abonnement_create(actor=staff, organisatie=org)
    assert abonnement.status == S.NIEUW and not toegang(org).actief
    services.offerte_verstuurd(
        actor=staff, abonnement=abonnement, datum=today - timedelta(days=5), expected_status="nieuw"
    )
    services.offerte_ontvangen(
        actor=staff, abonnement=abonnement, datum=today, expected_status="offerte_verstuurd"
    )
    services.activeren(actor=staff, abonnement=abonnement, van=today)
    assert toegang(org).actief
    services.beeindigen(actor=staff, abonnement=abonnement, datum=today)
    t = toegang(org)
    assert not t.actief and t.gehad and t.status == S.BEEINDIGD
    statuses = [r.changes["status"]["new"] for r in audit_rows(abonnement).order_by("pk")]
    assert statuses == ["nieuw", "offerte_verstuurd", "offerte_ontvangen", "actief", "beeindigd"]
    assert all(r.actor == staff and r.organisatie == org for r in audit_rows(abonnement))
    sjablonen = list(
        Bericht.objects.filter(organisatie=org, soort=Soort.WIJZIGING_ABONNEMENT)
        .order_by("pk")
        .values_list("sjabloon", flat=True)
    )
    assert sjablonen == [
        "abonnementen.offerte_verstuurd",
        "abonnementen.offerte_ontvangen",
        "abonnementen.geactiveerd",
        "abonnementen.beeindigd",
    ]
    # The beheerders get the e-mail that messages wait, naming them, in their language.
    berichten_mail_queue([org.pk])
    deliver_due()
    to_beheerder = mails_to(beheerder.email)
    assert len(to_beheerder) == 1
    assert "Abonnement voor Ketenmachtigingen beëindigd" in to_beheerder[0].body


def test_messages_are_rendered_in_the_readers_language(org, beheerder, staff):
    from django.utils import translation

    abonnement = AbonnementFactory(organisatie=org, aangevraagd=True)
    services.activeren(
        actor=staff,
        abonnement=abonnement,
        van=timezone.localdate(),
        tot=timezone.localdate() + timedelta(days=365),
    )
    bericht = Bericht.objects.get(organisatie=org, sjabloon="abonnementen.geactiveerd")
    with translation.override("en"):
        assert bericht.titel == "Subscription for Ketenmachtigingen active"
        assert "is active from" in bericht.inhoud and " until " in bericht.inhoud
    with translation.override("nl"):
        assert bericht.titel == "Abonnement voor Ketenmachtigingen actief"
        assert "is actief van" in bericht.inhoud and " tot en met " in bericht.inhoud


def test_the_lifecycle_refuses_what_is_not_allowed(org, staff):
    today = timezone.localdate()
    abonnement = AbonnementFactory(organisatie=org)  # active
    with pytest.raises(DomainError):
        services.offerte_verstuurd(actor=staff, abonnement=abonnement, datum=today)
    with pytest.raises(DomainError):  # a colleague changed it meanwhile
        services.beeindigen(
            actor=staff, abonnement=abonnement, datum=today, expected_status="nieuw"
        )
    with pytest.raises(DomainError):  # not in the future
        services.beeindigen(actor=staff, abonnement=abonnement, datum=today + timedelta(days=1))
    with pytest.raises(DomainError):
        services.abonnement_create(actor=staff, organisatie=org)
    ended = AbonnementFactory(organisatie=OrganisatieFactory(abonnement=False), beeindigd=True)
    with pytest.raises(DomainError):  # until before from
        services.activeren(actor=staff, abonnement=ended, van=today, tot=today - timedelta(days=1))
    assert audit_rows(abonnement).count() == 0 and audit_rows(ended).count() == 0


def test_a_subscription_past_its_end_date_has_ended_without_a_job(org):
    today = timezone.localdate()
    AbonnementFactory(
        organisatie=org, actief_van=today - timedelta(days=30), actief_tot=today - timedelta(days=1)
    )
    t = toegang(org)
    assert not t.actief and t.gehad and t.status == S.BEEINDIGD and t.mag_aanvragen


def test_a_company_needs_no_subscription_to_grant(org):
    """The company side (Afgegeven) is not behind the gate."""
    company_beheerder = LidmaatschapFactory(organisatie=org, rol=Rol.BEHEERDER).user
    client = verified_client(company_beheerder)
    for name in ("ketenmachtigingen:afgegeven", "ketenmachtigingen:afgeven"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "abonnementen/toegang.html" not in [t.name for t in response.templates]


# --- The beheerder's pages --------------------------------------------------------------------


def test_the_explanation_page_and_the_request_button(org, beheerder, staff):
    client = verified_client(beheerder)
    response = client.get(reverse("ketenmachtigingen:van_relaties"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Vraag toegang aan" in page and "offerte voor de uitrol van ketenmachtigingen" in page
    response = client.post(reverse("abonnementen:aanvragen"), follow=True)
    page = response.content.decode()
    assert "Uw aanvraag voor toegang is naar de backoffice gestuurd" in page
    assert "Vraag toegang aan" not in page, "no button for a second request"
    response = client.post(reverse("abonnementen:aanvragen"), follow=True)
    assert "Er is geen nieuwe aanvraag verstuurd" in response.content.decode()
    deliver_due()
    assert len(mails_to(staff.email)) == 1


def test_the_explanation_page_in_english(org, beheerder):
    beheerder.taal = "en"
    beheerder.save()
    page = verified_client(beheerder).get(reverse("abonnementen:toegang")).content.decode()
    assert "Request access" in page and "quote for the roll-out of ketenmachtigingen" in page


def test_an_active_subscription_shows_its_dates(beheerder, org):
    AbonnementFactory(organisatie=org)
    page = verified_client(beheerder).get(reverse("abonnementen:toegang")).content.decode()
    assert 'data-testid="abonnement-actief"' in page and "Vraag toegang aan" not in page


# --- The back office --------------------------------------------------------------------------


def test_back_office_pages_are_for_staff_only(beheerder, org):
    abonnement = AbonnementFactory(organisatie=org)
    client = verified_client(beheerder)
    for url in (
        reverse("abonnementen:backoffice_lijst"),
        reverse("abonnementen:backoffice_nieuw"),
        reverse("abonnementen:backoffice_detail", args=[abonnement.pk]),
    ):
        assert client.get(url).status_code == 403, url
    response = client.post(
        reverse("abonnementen:backoffice_actie", args=[abonnement.pk, "beeindigen"]),
        {"expected_status": "actief"},
    )
    assert response.status_code == 403
    abonnement.refresh_from_db()
    assert abonnement.status == S.ACTIEF


def test_back_office_list_filters(staff_client):
    a = AbonnementFactory(
        organisatie=OrganisatieFactory(naam="Aanvrager B.V.", abonnement=False), aangevraagd=True
    )
    b = AbonnementFactory(organisatie=OrganisatieFactory(naam="Actief B.V.", abonnement=False))
    c = AbonnementFactory(
        organisatie=OrganisatieFactory(naam="Gestopt B.V.", abonnement=False), beeindigd=True
    )
    url = reverse("abonnementen:backoffice_lijst")

    def names(params):
        return {x.pk for x in staff_client.get(url, params).context["abonnementen"]}

    assert {a.pk, b.pk, c.pk} <= names({})
    assert names({"status": "open"}) == {a.pk}
    assert b.pk in names({"status": "actief"}) and a.pk not in names({"status": "actief"})
    assert names({"status": "beeindigd"}) == {c.pk}
    assert names({"q": "Gestopt"}) == {c.pk}
    assert names({"q": c.organisatie.kvk_nummer}) == {c.pk}
    assert staff_client.get(url, {"status": "bogus"}).status_code == 200


def test_back_office_creates_and_steps_through(staff_client, staff, org, beheerder):
    response = staff_client.post(
        reverse("abonnementen:backoffice_nieuw"),
        {"kvk_nummer": org.kvk_nummer, "module": "ketenmachtigingen"},
    )
    abonnement = Abonnement.objects.get(organisatie=org)
    assert response.status_code == 302
    assert response["Location"] == reverse("abonnementen:backoffice_detail", args=[abonnement.pk])
    # A second one for the same module is refused with a message, not a 500.
    again = staff_client.post(
        reverse("abonnementen:backoffice_nieuw"),
        {"kvk_nummer": org.kvk_nummer, "module": "ketenmachtigingen"},
    )
    assert (
        again.status_code == 200
        and "subscription for this module already" in again.content.decode()
    )
    unknown = staff_client.post(
        reverse("abonnementen:backoffice_nieuw"),
        {"kvk_nummer": "99999999", "module": "ketenmachtigingen"},
    )
    assert unknown.status_code == 200 and not Abonnement.objects.filter(pk__gt=abonnement.pk)
    today = timezone.localdate().isoformat()
    steps = [
        ("offerte-verstuurd", {"datum": today}, S.OFFERTE_VERSTUURD),
        ("offerte-ontvangen", {"datum": today}, S.OFFERTE_ONTVANGEN),
        ("activeren", {"van": today, "tot": ""}, S.ACTIEF),
        ("beeindigen", {"datum": today}, S.BEEINDIGD),
    ]
    for actie, data, naar in steps:
        detail = staff_client.get(reverse("abonnementen:backoffice_detail", args=[abonnement.pk]))
        assert actie in detail.context["acties"]
        response = staff_client.post(
            reverse("abonnementen:backoffice_actie", args=[abonnement.pk, actie]),
            {"expected_status": abonnement.status, **data},
        )
        assert response.status_code == 302, response.content.decode()[:500]
        abonnement.refresh_from_db()
        assert abonnement.status == naar
    # A stale form (the status it saw has changed) is refused and changes nothing.
    response = staff_client.post(
        reverse("abonnementen:backoffice_actie", args=[abonnement.pk, "activeren"]),
        {"expected_status": "offerte_ontvangen", "van": today},
    )
    assert response.status_code == 400
    abonnement.refresh_from_db()
    assert abonnement.status == S.BEEINDIGD
    assert audit_rows(abonnement).count() == 5
    detail = staff_client.get(reverse("abonnementen:backoffice_detail", args=[abonnement.pk]))
    assert [h["status"] for h in detail.context["geschiedenis"]][0] == "Ended"
    assert (
        staff_client.post(
            reverse("abonnementen:backoffice_actie", args=[abonnement.pk, "onbekend"]), {}
        ).status_code
        == 404
    )


# --- Existing data ----------------------------------------------------------------------------


def test_the_data_migration_gives_every_intermediair_with_ketenmachtigingen_a_subscription():
    import importlib

    from django.apps import apps

    from tests.factories import KetenmachtigingFactory

    migration = importlib.import_module(
        "abonnementen.migrations.0002_existing_intermediairs_active"
    )
    intermediair = OrganisatieFactory(abonnement=False)
    KetenmachtigingFactory(intermediair=intermediair, actief=True)
    KetenmachtigingFactory(intermediair=intermediair)
    zonder = OrganisatieFactory(abonnement=False)
    al = AbonnementFactory(organisatie=OrganisatieFactory(abonnement=False), beeindigd=True)
    KetenmachtigingFactory(intermediair=al.organisatie)
    migration.forwards(apps, None)
    migration.forwards(apps, None)  # twice: nothing doubles
    assert toegang(intermediair).actief
    assert not Abonnement.objects.filter(organisatie=zonder).exists()
    al.refresh_from_db()
    assert al.status == S.BEEINDIGD, "an existing subscription is left as it is"
    assert Abonnement.objects.filter(organisatie=intermediair).count() == 1


def test_seed_demo_gives_the_intermediairs_an_active_subscription():
    from django.core.management import call_command

    from accounts.models import User

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for username in ("beheerder", "beheerder2"):
        user = User.objects.get(username=username)
        organisatie = user.lidmaatschappen.first().organisatie
        assert toegang(organisatie).actief, username
