"""Duplicates are impossible: at most one pending renewal per ketenmachtiging and one pending
request per intermediair and relatie (in the database, in the services, also with two requests
at once), no two identical grants, and the wizard says so at its first step."""

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.constants import Rol
from accounts.models import AuditEntry
from diensten.scope import Scope
from ketenmachtigingen import services
from ketenmachtigingen.constants import Status
from ketenmachtigingen.exceptions import KetenmachtigingError
from ketenmachtigingen.models import Ketenmachtiging, StatusWijziging
from outbox.models import Mail
from tests.conftest import verified_client
from tests.factories import (
    DienstverlenerFactory,
    KetenmachtigingFactory,
    LidmaatschapFactory,
    OrganisatieFactory,
)

pytestmark = pytest.mark.django_db
OVERVIEW = reverse("ketenmachtigingen:van_relaties")
WIZARD = reverse("ketenmachtigingen:nieuw")
AFGEVEN = reverse("ketenmachtigingen:afgeven")
KVK_DONALD = "68750110"  # in the shipped local KvK dataset (Test BV Donald)


@pytest.fixture
def client_(world):
    return verified_client(world.beheerder.user)


def due(organisatie, **fields) -> Ketenmachtiging:
    """An active ketenmachtiging that ends within 3 months: renewal is due."""
    return KetenmachtigingFactory(
        intermediair=organisatie,
        actief=True,
        einddatum=timezone.localdate() + timedelta(days=50),
        relatie_contact_email="directie@relatie.nl",
        **fields,
    )


def relatie_of(km: Ketenmachtiging) -> services.Relatie:
    return services.Relatie(
        naam=km.relatie_naam,
        kvk_nummer=km.relatie_kvk_nummer,
        rsin=km.relatie_rsin,
        adres=km.relatie_adres,
        postcode_plaats=km.relatie_postcode_plaats,
    )


def request(actor, intermediair, relatie, *, vernieuwing_van=None) -> Ketenmachtiging:
    return services.ketenmachtiging_request(
        actor=actor,
        intermediair=intermediair,
        relatie=relatie,
        scope=Scope.algemene_bevoegdheid(),
        looptijd_jaren=5,
        contacten=services.Contacten(
            voorletters="A.",
            tussenvoegsel="",
            achternaam="Beheer",
            email="beheer@kantoor.nl",
            telefoon="0612345678",
            relatie_email="directie@relatie.nl",
            relatie_telefoon="",
        ),
        taal="nl",
        akkoord_kosten=True,
        vernieuwing_van=vernieuwing_van,
    )


# --- The database ----------------------------------------------------------------------------


def test_the_database_refuses_a_second_pending_renewal(world):
    km = due(world.organisatie)
    KetenmachtigingFactory(intermediair=world.organisatie, vernieuwing_van=km)
    with pytest.raises(IntegrityError), transaction.atomic():
        KetenmachtigingFactory(intermediair=world.organisatie, vernieuwing_van=km, fout=True)


def test_the_database_refuses_a_second_pending_request_for_a_relatie(world):
    KetenmachtigingFactory(intermediair=world.organisatie, relatie_kvk_nummer="12345678")
    with pytest.raises(IntegrityError), transaction.atomic():
        KetenmachtigingFactory(
            intermediair=world.organisatie, relatie_kvk_nummer="12345678", ontvangen=True
        )


def test_the_database_refuses_a_second_pending_request_by_fiscal_number(world):
    KetenmachtigingFactory(
        intermediair=world.organisatie, relatie_kvk_nummer="", relatie_rsin="898630204"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        KetenmachtigingFactory(
            intermediair=world.organisatie, relatie_kvk_nummer="", relatie_rsin="898630204"
        )


def test_the_database_allows_what_is_no_duplicate(world):
    KetenmachtigingFactory(intermediair=world.organisatie, relatie_kvk_nummer="12345678")
    # Another intermediair, an ended or active one, another relatie: all fine.
    KetenmachtigingFactory(intermediair=world.other_organisatie, relatie_kvk_nummer="12345678")
    KetenmachtigingFactory(
        intermediair=world.organisatie, relatie_kvk_nummer="12345678", beeindigd=True
    )
    KetenmachtigingFactory(
        intermediair=world.organisatie, relatie_kvk_nummer="12345678", actief=True
    )
    # Two companies without KvK number, each with its own fiscal number.
    for rsin in ("898630204", "001234567"):
        KetenmachtigingFactory(
            intermediair=world.organisatie, relatie_kvk_nummer="", relatie_rsin=rsin
        )
    assert Ketenmachtiging.objects.filter(relatie_kvk_nummer="12345678").count() == 4


# --- The services ------------------------------------------------------------------------------


def test_a_second_renewal_is_refused_as_a_duplicate(world):
    km = due(world.organisatie)
    actor = world.beheerder.user
    request(actor, world.organisatie, relatie_of(km), vernieuwing_van=km)
    with pytest.raises(KetenmachtigingError) as exc:
        request(actor, world.organisatie, relatie_of(km), vernieuwing_van=km)
    assert exc.value.code == "duplicate"
    assert Ketenmachtiging.objects.filter(vernieuwing_van=km).count() == 1


def test_the_constraint_is_caught_as_the_same_duplicate_error(world):
    """When the check is passed by (a race), the database refuses and the service says the same
    as the check."""
    km = KetenmachtigingFactory(intermediair=world.organisatie)
    with (
        mock.patch("ketenmachtigingen.services.core._check_none_open"),
        mock.patch("ketenmachtigingen.services.core._check_no_pending_renewal"),
        pytest.raises(KetenmachtigingError) as exc,
    ):
        request(world.beheerder.user, world.organisatie, relatie_of(km))
    assert exc.value.code == "duplicate"
    assert km.relatie_naam in str(exc.value)
    assert Ketenmachtiging.objects.filter(relatie_kvk_nummer=km.relatie_kvk_nummer).count() == 1


def test_a_lapsed_request_does_not_block_a_new_one(world):
    """The 3 months passed and the sweep has not run yet: the new request lapses the old one."""
    old = KetenmachtigingFactory(
        intermediair=world.organisatie,
        uitnodiging_geldig_tot=timezone.localdate() - timedelta(days=1),
    )
    new = request(world.beheerder.user, world.organisatie, relatie_of(old))
    old.refresh_from_db()
    assert old.status == Status.VERVALLEN and new.status == Status.VERSTUURD
    assert old.statuswijzigingen.filter(van=Status.VERSTUURD, naar=Status.VERVALLEN).exists()


def test_a_renewal_of_another_relatie_is_a_new_request(world):
    """A renewal concept whose company was changed is not a renewal of the first company."""
    km = due(world.organisatie)
    other = KetenmachtigingFactory(intermediair=world.organisatie)
    with pytest.raises(KetenmachtigingError) as exc:
        request(world.beheerder.user, world.organisatie, relatie_of(other), vernieuwing_van=km)
    assert exc.value.code == "duplicate"


#: What "Verleng selectie" asks besides the rows: the office's contact, the cost agreement.
RENEW = {
    "contact": services.Contactpersoon(
        voorletters="A.", tussenvoegsel="", achternaam="Beheer", email="a@b.nl", telefoon=""
    ),
    "akkoord_kosten": True,
}


def test_bulk_renewal_refuses_what_was_renewed_already(world):
    km = due(world.organisatie, relatie_naam="Bakkerij Zoet B.V.")
    ontvangers = {km.pk: services.Ontvanger(naam="Directie", email="d@zoet.nl", taal="nl")}
    kwargs = {"actor": world.beheerder.user, "organisatie": world.organisatie, **RENEW}
    services.ketenmachtigingen_renew(ontvangers=ontvangers, **kwargs)
    with pytest.raises(KetenmachtigingError) as exc:
        services.ketenmachtigingen_renew(ontvangers=ontvangers, **kwargs)
    assert exc.value.code == "duplicate"
    assert "Bakkerij Zoet B.V." in str(exc.value)
    assert Ketenmachtiging.objects.filter(vernieuwing_van=km).count() == 1


def test_bulk_renewal_refuses_after_a_single_renewal(world):
    km = due(world.organisatie, relatie_naam="Garage Snel")
    request(world.beheerder.user, world.organisatie, relatie_of(km), vernieuwing_van=km)
    with pytest.raises(KetenmachtigingError) as exc:
        services.ketenmachtigingen_renew(
            actor=world.beheerder.user,
            organisatie=world.organisatie,
            ontvangers={km.pk: services.Ontvanger(naam="", email="d@snel.nl", taal="nl")},
            **RENEW,
        )
    assert exc.value.code == "duplicate" and "Garage Snel" in str(exc.value)


def test_bulk_renewal_skips_a_relatie_with_a_pending_request(world):
    """A relatie can have an active ketenmachtiging (granted to the intermediair) and a pending
    request at once; renewing the active one would make a second pending request."""
    km = due(world.organisatie, relatie_naam="Drukkerij Inkt")
    KetenmachtigingFactory(intermediair=world.organisatie, relatie_kvk_nummer=km.relatie_kvk_nummer)
    with pytest.raises(KetenmachtigingError) as exc:
        services.ketenmachtigingen_renew(
            actor=world.beheerder.user,
            organisatie=world.organisatie,
            ontvangers={km.pk: services.Ontvanger(naam="", email="d@inkt.nl", taal="nl")},
            **RENEW,
        )
    assert exc.value.code == "duplicate" and "Drukkerij Inkt" in str(exc.value)


# --- The screens ----------------------------------------------------------------------------


VERSTUUR = {
    "voorletters": "A.",
    "achternaam": "B",
    "email": "a@b.nl",
    "telefoon": "0612345678",
    "relatie_voorletters": "D.",
    "relatie_achternaam": "Directie",
    "relatie_email": "directie@relatie.nl",
    "relatie_telefoon": "0612345679",
    "taal": "nl",
    "akkoord_kosten": "on",
}


def test_renewing_twice_makes_one_renewal(world, client_, django_capture_on_commit_callbacks):
    """Two beheerders of one office both start the same renewal; both send it."""
    km = due(world.organisatie)
    verleng = reverse("ketenmachtigingen:verleng", args=[km.pk])
    versturen = reverse("ketenmachtigingen:versturen")
    colleague = verified_client(
        LidmaatschapFactory(organisatie=world.organisatie, rol=Rol.BEHEERDER).user
    )
    for client in (client_, colleague):
        assert client.post(verleng)["Location"] == versturen
    with django_capture_on_commit_callbacks(execute=True):
        assert client_.post(versturen, VERSTUUR).status_code == 302
    renewal = Ketenmachtiging.objects.get(vernieuwing_van=km)
    invitations = Mail.objects.filter(soort="ketenmachtigingen.uitnodiging").count()
    assert invitations == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = colleague.post(versturen, VERSTUUR)
    assert response.status_code == 400
    assert "heeft al een actieve of nog niet afgehandelde ketenmachtiging" in (
        response.content.decode()
    )
    assert Ketenmachtiging.objects.filter(vernieuwing_van=km).count() == 1
    assert Mail.objects.filter(soort="ketenmachtigingen.uitnodiging").count() == invitations
    # Asking again: refused, with the date, the status and a link to the renewal.
    html = colleague.post(verleng, follow=True).content.decode()
    assert "Verlenging aangevraagd op" in html and renewal.get_absolute_url() in html
    assert f'action="{verleng}"' not in html


def test_detail_page_says_renewal_requested_instead_of_the_button(world, client_):
    km = due(world.organisatie)
    verleng = reverse("ketenmachtigingen:verleng", args=[km.pk])
    assert f'action="{verleng}"' in client_.get(km.get_absolute_url()).content.decode()
    renewal = request(world.beheerder.user, world.organisatie, relatie_of(km), vernieuwing_van=km)
    html = client_.get(km.get_absolute_url()).content.decode()
    datum = timezone.localdate().strftime("%d-%m-%Y")
    assert f"Verlenging aangevraagd op {datum} (Aanvraag verstuurd)" in html
    assert renewal.get_absolute_url() in html
    assert f'action="{verleng}"' not in html


def test_the_active_row_says_renewal_requested(world, client_):
    km = due(world.organisatie, relatie_naam="Bakkerij Zoet B.V.")
    verleng = reverse("ketenmachtigingen:verleng", args=[km.pk])
    html = client_.get(OVERVIEW).content.decode()
    assert f'action="{verleng}"' in html  # renewal due: the button on the Actief row
    renewal = request(world.beheerder.user, world.organisatie, relatie_of(km), vernieuwing_van=km)
    html = client_.get(OVERVIEW).content.decode()
    assert "Verlenging aangevraagd op" in html and "(Aanvraag verstuurd)" in html
    assert renewal.get_absolute_url() in html
    assert f'action="{verleng}"' not in html


def test_the_wizard_refuses_a_relatie_with_an_open_one_at_step_one(world, client_):
    bestaande = KetenmachtigingFactory(
        intermediair=world.organisatie, relatie_kvk_nummer=KVK_DONALD
    )
    response = client_.post(WIZARD, {"stap": "1", "nummer": KVK_DONALD})
    assert response.status_code == 400
    html = response.content.decode()
    assert "heeft al een actieve of nog niet afgehandelde ketenmachtiging" in html
    assert bestaande.get_absolute_url() in html
    # Nothing was chosen: the wizard is still at step 1.
    assert client_.get(WIZARD).context["step"] == 1


def test_the_wizard_lets_a_renewal_through_step_one(world, client_):
    km = due(world.organisatie, relatie_kvk_nummer=KVK_DONALD)
    client_.post(reverse("ketenmachtigingen:verleng", args=[km.pk]))
    response = client_.post(WIZARD, {"stap": "1", "nummer": KVK_DONALD})
    assert response.status_code == 302


# --- Granting ---------------------------------------------------------------------------------


@pytest.fixture
def bedrijf():
    return OrganisatieFactory(naam="Test BV Donald", kvk_nummer=KVK_DONALD)


@pytest.fixture
def bedrijf_client(bedrijf):
    return verified_client(LidmaatschapFactory(organisatie=bedrijf, rol="beheerder").user)


@pytest.fixture
def intermediair():
    return OrganisatieFactory(
        naam="Accountantskantoor Jansen & De Boer B.V.", kvk_nummer="30123456"
    )


def grant(client, scope=None):
    assert client.post(AFGEVEN, {"stap": "1", "nummer": "30123456"}).status_code == 302
    return client.post(
        AFGEVEN,
        {"stap": "2", **(scope or {"scope-algemeen": "on"}), "looptijd": 5, "akkoord_kosten": "on"},
    )


def test_granting_warns_at_step_one_when_an_active_grant_exists(bedrijf_client, intermediair):
    assert grant(bedrijf_client).status_code == 302
    first = Ketenmachtiging.objects.get()
    bedrijf_client.post(AFGEVEN, {"stap": "1", "nummer": "30123456"})
    html = bedrijf_client.get(AFGEVEN).content.decode()
    assert "al een actieve ketenmachtiging gegeven" in html
    assert reverse("ketenmachtigingen:afgegeven_detail", args=[first.pk]) in html


def test_an_identical_grant_is_refused_with_a_link(bedrijf_client, intermediair):
    grant(bedrijf_client)
    first = Ketenmachtiging.objects.get()
    audit_rows = AuditEntry.objects.count()
    response = grant(bedrijf_client)
    assert response.status_code == 400
    html = response.content.decode()
    assert "voor dezelfde diensten al een actieve ketenmachtiging gegeven" in html
    assert reverse("ketenmachtigingen:afgegeven_detail", args=[first.pk]) in html
    assert Ketenmachtiging.objects.count() == 1 and AuditEntry.objects.count() == audit_rows


def test_a_grant_of_other_services_is_allowed(bedrijf, bedrijf_client, intermediair):
    grant(bedrijf_client)
    dv = DienstverlenerFactory()
    assert grant(bedrijf_client, {"scope-dienstverleners": [dv.pk]}).status_code == 302
    assert Ketenmachtiging.objects.count() == 2


def test_an_ended_grant_does_not_count(bedrijf, bedrijf_client, intermediair):
    grant(bedrijf_client)
    first = Ketenmachtiging.objects.get()
    services.ketenmachtiging_end_granted(actor=bedrijf.lidmaatschappen.get().user, km=first)
    assert grant(bedrijf_client).status_code == 302


# --- Two requests at once (PostgreSQL) --------------------------------------------------------


def _at_once(work, n=2) -> list[str]:
    barrier = threading.Barrier(n)
    outcomes = []

    def run():
        try:
            barrier.wait()
            work()
            outcomes.append("ok")
        except KetenmachtigingError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
@pytest.mark.integration
def test_two_renewals_at_once_make_one():
    """On PostgreSQL, two connections: the same renewal sent twice at the same moment."""
    lid = LidmaatschapFactory(rol="beheerder")
    km = due(lid.organisatie)

    def renew():
        request(lid.user, lid.organisatie, relatie_of(km), vernieuwing_van=km)

    assert _at_once(renew) == ["duplicate", "ok"]
    assert Ketenmachtiging.objects.filter(vernieuwing_van=km).count() == 1
    assert StatusWijziging.objects.filter(ketenmachtiging__vernieuwing_van=km).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.integration
def test_two_requests_for_one_relatie_at_once_make_one():
    """On PostgreSQL, two connections, and the service's own check passed by: the database's
    constraint decides, and the loser gets the same clear error."""
    lid = LidmaatschapFactory(rol="beheerder")
    relatie = services.Relatie(
        naam="Bakkerij Zoet B.V.", kvk_nummer="12340000", rsin="", adres="", postcode_plaats=""
    )

    def send():
        request(lid.user, lid.organisatie, relatie)

    with (
        mock.patch("ketenmachtigingen.services.core._lock_intermediair"),
        mock.patch("ketenmachtigingen.services.core._check_none_open"),
    ):
        assert _at_once(send) == ["duplicate", "ok"]
    assert Ketenmachtiging.objects.filter(relatie_kvk_nummer="12340000").count() == 1


# --- The migration ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_ends_existing_duplicates_and_deletes_nothing():
    from django.db.migrations.executor import MigrationExecutor

    before = [("ketenmachtigingen", "0007_notifications_outbox")]
    after = [("ketenmachtigingen", "0008_no_duplicates")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        apps = executor.loader.project_state(before).apps
        Organisatie = apps.get_model("accounts", "Organisatie")
        Km = apps.get_model("ketenmachtigingen", "Ketenmachtiging")
        org = Organisatie.objects.create(naam="Kantoor", kvk_nummer="30123456")
        now = timezone.now()

        def km(status, minutes_ago, **fields):
            fields.setdefault("relatie_kvk_nummer", "12340000")
            return Km.objects.create(
                intermediair=org,
                intermediair_naam="Kantoor",
                relatie_naam="Bakkerij",
                status=status,
                uitnodiging_geldig_tot=timezone.localdate() + timedelta(days=30),
                created_at=now - timedelta(minutes=minutes_ago),
                **fields,
            )

        oud = km("aanvraag_verstuurd", 30)
        ontvangen = km("aanvraag_ontvangen", 20)  # kept: furthest in processing
        nieuw = km("aanvraag_verstuurd", 10)
        rsin_a = km("aanvraag_verstuurd", 30, relatie_kvk_nummer="", relatie_rsin="898630204")
        rsin_b = km("fout", 10, relatie_kvk_nummer="", relatie_rsin="898630204")
        actief = km(
            "actief",
            99,
            relatie_kvk_nummer="55550000",
            startdatum=timezone.localdate(),
            einddatum=timezone.localdate() + timedelta(days=40),
        )
        r1 = km("aanvraag_verstuurd", 8, relatie_kvk_nummer="55550000", vernieuwing_van=actief)
        r2 = km("aanvraag_verstuurd", 5, relatie_kvk_nummer="55550000", vernieuwing_van=actief)
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        # The model as it is right after the migration (later migrations add columns).
        Later = executor.loader.project_state(after).apps.get_model(
            "ketenmachtigingen", "Ketenmachtiging"
        )
        status = dict(Later.objects.values_list("pk", "status"))
        assert len(status) == 8  # nothing deleted
        assert [status[k.pk] for k in (oud, ontvangen, nieuw)] == [
            "beeindigd",
            "aanvraag_ontvangen",
            "beeindigd",
        ]
        assert [status[k.pk] for k in (rsin_a, rsin_b)] == ["aanvraag_verstuurd", "beeindigd"]
        assert [status[k.pk] for k in (actief, r1, r2)] == [
            "actief",
            "beeindigd",
            "aanvraag_verstuurd",
        ]
        ended = Later.objects.get(pk=oud.pk)
        assert ontvangen.kenmerk in ended.status_reden
        change = ended.statuswijzigingen.get()
        assert (change.van, change.naar) == ("aanvraag_verstuurd", "beeindigd")
        assert AuditEntry.objects.filter(
            object_id=str(oud.pk), message="duplicate ended by migration"
        ).exists()
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
