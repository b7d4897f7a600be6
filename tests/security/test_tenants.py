"""Organisations are tenants: nothing of one is reachable, visible or linkable from another
(security rows 3, 6 and 7).

* Every URL naming an object, reversed for organisation A's objects and requested by a
  beheerder of B, is a 404 for GET and POST, and the database is unchanged.
* Every page, search, export (CSV, XLSX), the audit log and its export, and the PDF of A, as A's
  beheerder sees them, hold nothing of B.
* A foreign id posted into any choice field is a form error or a 404, and links nothing.
"""

import pytest
from dateutil.relativedelta import relativedelta
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from accounts import sms
from accounts.middleware import ORGANISATIE_SESSION_KEY
from accounts.models import Lidmaatschap, User
from diensten.scope import scope_of
from groepen import services as groep_services
from ketenmachtigingen.concept import SESSION_KEY as CONCEPT_KEY
from ketenmachtigingen.models import Afzenderinstellingen, Import, Ketenmachtiging
from ketenmachtigingen.services import render_formulier
from tests.factories import (
    DienstFactory,
    DienstverlenerFactory,
    KetenmachtigingFactory,
    LidmaatschapFactory,
    OrganisatieFactory,
)
from tests.url_walker import named_urls, reverse_sample

from .common import (
    body_text,
    classify,
    client_for,
    describe,
    failures,
    fetch,
    rolled_back,
    snapshot,
    snapshot_diff,
    urls_of,
)

pytestmark = pytest.mark.django_db
METHODS = ("get", "post")
KVK_DONALD = "68750110"  # in the shipped local KvK dataset
TENANT_CLASSES = ("verified", "organisatie", "beheerder", "ketenmachtiging")
#: Object URLs that are deliberately not scoped to one organisation, and why.
NOT_TENANT_SCOPED = {
    "staff": "the back office serves every organisation; staff only (test_walker)",
    "admin": "Django's admin, staff only (test_walker)",
    "public": "password_reset_confirm's arguments are a reset link, not an object",
}


def object_urls():
    urls = [u for u in named_urls() if u.keys]
    unknown = [u.name for u in urls if classify(u) not in (*TENANT_CLASSES, *NOT_TENANT_SCOPED)]
    assert not unknown, unknown
    return [u for u in urls if classify(u) in TENANT_CLASSES]


# --- Row 3: another organisation's objects ----------------------------------------------------


def test_another_organisations_objects_are_a_404_and_stay_untouched(world):
    client = client_for(world.other_beheerder.user)
    # What an attacker of B would post: plausible values for every form, with B's own people
    # and groups and A's, to link them to A's objects.
    payload = {
        "naam": "x",
        "rol": "beheerder",
        "wijze": "direct",
        "email": "x@y.nl",
        "gebruikers": [world.other_gebruiker.pk, world.gebruiker.pk],
        "leden": [world.other_gebruiker.pk, world.gebruiker.pk],
        "groepen": [world.other_groep.pk, world.groep.pk],
        "soort": "algemeen",
        "scope-algemeen": "on",
        "expected_status": "actief",
        "next": "/",
    }
    urls = object_urls()
    assert len(urls) >= 20, [u.name for u in urls]
    before = snapshot()
    problems = []
    for url in urls:
        path = reverse_sample(url, world)
        for method in METHODS:
            mail.outbox.clear()
            sms.outbox.clear()
            with rolled_back():
                response = fetch(client, method, path, payload if method == "post" else None)
                changes = snapshot_diff(before, snapshot())
            if response.status_code != 404:
                problems.append(describe(url.name, method, response))
            if changes:
                problems.append(f"{url.name} {method.upper()} changed the database: {changes}")
            if mail.outbox or sms.outbox:
                problems.append(f"{url.name} {method.upper()} sent an e-mail or text message")
    assert not problems, failures(problems)


# --- Row 6: nothing of B in what A sees -------------------------------------------------------


def make_strangers(world) -> list[str]:
    """Turn A and B into strangers with distinctive data, and return B's distinctive strings.

    The World links A and B through two granted ketenmachtigingen; those legitimately show the
    other party's name, so they are moved to a third organisation here.
    """
    derde = OrganisatieFactory(naam="Derde Partij Gamma B.V.")
    Ketenmachtiging.objects.filter(pk=world.afgegeven.pk).update(
        intermediair=derde, intermediair_naam=derde.naam, intermediair_kvk_nummer=derde.kvk_nummer
    )
    Ketenmachtiging.objects.filter(pk=world.other_afgegeven.pk).update(relatie_organisatie=derde)

    b = world.other_organisatie
    for lid, tag in ((world.other_beheerder, "beheer"), (world.other_gebruiker, "gebruik")):
        User.objects.filter(pk=lid.user_id).update(
            username=f"beta-{tag}-zq",
            first_name=f"Bettina{tag}",
            last_name=f"Betazoon{tag}",
            email=f"{tag}@beta-loonbureau.nl",
        )
    today = timezone.localdate()
    b_kms = [
        world.other_km,
        KetenmachtigingFactory(intermediair=b, relatie_naam="Beta Wachtklant B.V."),
        KetenmachtigingFactory(intermediair=b, verlopen=True, relatie_naam="Beta Oudklant B.V."),
        KetenmachtigingFactory(
            intermediair=b,
            actief=True,
            einddatum=today + relativedelta(months=2),
            relatie_naam="Beta Verlengklant B.V.",
        ),
    ]
    Ketenmachtiging.objects.filter(pk=world.other_km.pk).update(
        relatie_naam="Beta Vaste Klant B.V.", referentie="beta-dossier-77"
    )
    Import.objects.filter(pk=world.other_imp.pk).update(bestandsnaam="beta-relaties-zq.xlsx")
    Afzenderinstellingen.objects.create(
        organisatie=b, achternaam="Betaverzender", email="afzender@beta-loonbureau.nl"
    )
    beta_beheerder = User.objects.get(pk=world.other_beheerder.user_id)
    groep_services.groep_rename(
        actor=beta_beheerder, groep=world.other_groep, naam="Beta Fiscaal Team"
    )

    # A gets the same kinds of data, for the positive controls.
    KetenmachtigingFactory(intermediair=world.organisatie, relatie_naam="Alpha Wachtklant B.V.")
    KetenmachtigingFactory(
        intermediair=world.organisatie, verlopen=True, relatie_naam="Alpha Oudklant B.V."
    )
    KetenmachtigingFactory(
        intermediair=world.organisatie,
        actief=True,
        einddatum=today + relativedelta(months=2),
        relatie_naam="Alpha Verlengklant B.V.",
    )
    groep_services.groep_rename(
        actor=world.beheerder.user, groep=world.groep, naam="Alpha Loonadministratie"
    )

    strings = {b.naam, b.kvk_nummer, "Beta Fiscaal Team", "beta-relaties-zq.xlsx"}
    strings |= {"Betaverzender", "afzender@beta-loonbureau.nl", world.other_bericht.onderwerp}
    for user in User.objects.filter(lidmaatschappen__organisatie=b):
        strings |= {user.username, user.first_name, user.last_name, user.email, str(user)}
    for km in Ketenmachtiging.objects.filter(pk__in=[k.pk for k in b_kms]):
        strings |= {km.relatie_naam, km.kenmerk, km.relatie_kvk_nummer, km.relatie_contact_email}
    strings.add("beta-dossier-77")
    strings.add(world.other_webhook.url)
    return sorted(s for s in strings if s)


def give_formulier_pdf(km) -> None:
    km.refresh_from_db()
    km.formulier_pdf.save(f"ketenmachtiging-{km.kenmerk}.pdf", ContentFile(render_formulier(km)))


def set_concept_at_step_3(client, organisatie) -> None:
    session = client.session
    session[CONCEPT_KEY] = {
        f"aanvraag:{organisatie.pk}": {
            "relatie": {
                "naam": "Test BV Donald",
                "kvk_nummer": KVK_DONALD,
                "rsin": "",
                "adres": "Straat 1",
                "postcode_plaats": "1234AB Plaats",
                "land": "Nederland",
            },
            "scope": {"algemeen": True, "dienstverleners": [], "diensten": []},
        }
    }
    session.save()


def test_nothing_of_another_organisation_in_pages_searches_exports_and_pdfs(world):
    b_strings = make_strangers(world)
    give_formulier_pdf(world.km)
    client = client_for(world.beheerder.user)
    set_concept_at_step_3(client, world.organisatie)

    export = reverse("ketenmachtigingen:export")
    overview = reverse("ketenmachtigingen:van_relaties")
    audit_export = reverse("accounts:overige_wijzigingen_export")
    requests = [
        (u.name, reverse_sample(u, world))
        for u in urls_of(*TENANT_CLASSES)
        if u.name != "accounts:logout"
    ]
    requests += [
        (f"overview {tab} q={q}", f"{overview}?tab={tab}&q={q}")
        for tab in ("actief", "wachtend", "acties", "verlopen", "historie")
        for q in ("", "Beta", "B.V.")
    ]
    requests += [
        (f"export {tab} {fmt} {extra}", f"{export}?tab={tab}&format={fmt}{extra}")
        for tab in ("actief", "wachtend", "acties", "verlopen", "historie")
        for fmt in ("csv", "xlsx")
        for extra in ("", "&alle_organisaties=1", "&q=Beta")
    ]
    requests += [
        ("audit search", reverse("accounts:overige_wijzigingen") + "?search=Beta"),
        ("audit export csv", f"{audit_export}?format=csv"),
        ("audit export xlsx", f"{audit_export}?format=xlsx"),
        ("audit export search", f"{audit_export}?format=csv&search=Fiscaal"),
        ("gebruikers search", reverse("accounts:gebruikers") + "?q=beta"),
        ("groepen search", reverse("groepen:lijst") + "?q=Fiscaal"),
        ("groep leden search", reverse("groepen:leden", args=[world.groep.pk]) + "?q=beta"),
        (
            "km gebruikers search",
            reverse("ketenmachtigingen:gebruikers", args=[world.km.pk]) + "?q=beta",
        ),
        ("wizard step 3", reverse("ketenmachtigingen:nieuw") + "?stap=3"),
        ("wizard step 3 search", reverse("ketenmachtigingen:nieuw") + "?stap=3&q=beta"),
        ("berichtenbox status", reverse("berichtenbox:lijst") + "?soort=status"),
        ("afgegeven", reverse("ketenmachtigingen:afgegeven")),
    ]
    texts = {}
    problems = []
    for name, path in requests:
        response = fetch(client, "get", path)
        # 405: a POST-only view; the QR code exists only while an enrolment is in progress.
        if response.status_code >= 400 and response.status_code != 405 and name != "two_factor:qr":
            problems.append(describe(name, "get", response))
            continue
        texts[name] = text = body_text(response)
        leaked = [s for s in b_strings if s in text]
        if leaked:
            problems.append(f"{name} ({path}) shows organisation B's {leaked}")
    assert not problems, failures(problems)

    # Positive controls: the pages and files were read and do hold A's own data.
    assert world.km.relatie_naam in texts["ketenmachtigingen:van_relaties"]
    assert world.km.relatie_naam in texts["export actief csv "]
    assert world.km.relatie_naam in texts["export actief xlsx "]
    assert "Alpha Wachtklant B.V." in texts["export wachtend xlsx "]
    assert "Alpha Verlengklant B.V." in texts["overview acties q=B.V."]
    assert world.km.relatie_naam in texts["ketenmachtigingen:formulier"]  # the PDF's text
    assert "Alpha Loonadministratie" in texts["audit export csv"]
    assert "Alpha Loonadministratie" in texts["audit export xlsx"]
    assert "Alpha Loonadministratie" in texts["groepen:lijst"]
    assert "Alpha Loonadministratie" in texts["wizard step 3"]
    assert world.bericht.onderwerp in texts["berichtenbox:lijst"]
    assert "relaties.xlsx" in texts["ketenmachtigingen:import"]
    assert str(world.gebruiker.user) in texts["accounts:gebruikers"]
    assert world.webhook.url in texts["webhooks:lijst"]
    assert world.webhook.url in texts["webhooks:aflevering"]


# --- Row 7: foreign ids in choice fields ------------------------------------------------------


@pytest.fixture
def client_a(world):
    return client_for(world.beheerder.user)


def links(km) -> tuple:
    km.refresh_from_db()
    return (
        sorted(km.gebruikers.values_list("pk", flat=True)),
        sorted(km.groepen.values_list("pk", flat=True)),
        scope_of(km),
    )


def test_foreign_users_and_groups_cannot_be_linked_to_a_ketenmachtiging(world, client_a):
    url = reverse("ketenmachtigingen:gebruikers", args=[world.km.pk])
    before = links(world.km)
    for data in (
        {"gebruikers": [world.other_gebruiker.pk]},
        {"gebruikers": [world.other_beheerder.pk, world.beheerder.pk]},
        {"groepen": [world.other_groep.pk]},
        {"gebruikers": ["999999"]},
        {"gebruikers": ["x"]},
    ):
        response = fetch(client_a, "post", url, data)
        assert response.status_code == 400, (data, response.status_code)
        assert links(world.km) == before, data


def test_foreign_users_cannot_be_added_to_a_group(world, client_a):
    url = reverse("groepen:leden", args=[world.groep.pk])
    before = sorted(world.groep.leden.values_list("pk", flat=True))
    for leden in (
        [world.other_gebruiker.pk],
        [world.other_beheerder.pk, world.beheerder.pk],
        ["999999"],
    ):
        response = fetch(client_a, "post", url, {"leden": leden})
        assert response.status_code in (200, 400), response.status_code
        assert response.context["form"].errors, leden
        assert sorted(world.groep.leden.values_list("pk", flat=True)) == before


def test_foreign_users_and_groups_cannot_enter_the_request_wizard(world, client_a):
    set_concept_at_step_3(client_a, world.organisatie)
    wizard = reverse("ketenmachtigingen:nieuw")
    for data in (
        {"gebruikers": [world.other_gebruiker.pk]},
        {"groepen": [world.other_groep.pk]},
        {"gebruikers": [world.beheerder.pk], "groepen": [world.groep.pk, world.other_groep.pk]},
    ):
        response = fetch(client_a, "post", wizard, {"stap": "3", **data})
        assert response.status_code == 400, (data, response.status_code)
        concept = client_a.session[CONCEPT_KEY][f"aanvraag:{world.organisatie.pk}"]
        assert "gebruikers" not in concept and "groepen" not in concept, concept


def test_foreign_ids_smuggled_into_the_concept_are_not_linked(world, client_a):
    """Defence in depth: even a concept holding foreign ids links only A's own people."""
    set_concept_at_step_3(client_a, world.organisatie)
    session = client_a.session
    concept = session[CONCEPT_KEY][f"aanvraag:{world.organisatie.pk}"]
    concept.update(
        gebruikers=[world.other_gebruiker.pk, world.beheerder.pk],
        groepen=[world.other_groep.pk],
        looptijd=5,
        referentie="",
    )
    session.save()
    response = fetch(
        client_a,
        "post",
        reverse("ketenmachtigingen:goedgekeurd"),
        {"leverancier": "Ketenportal"},
    )
    assert response.status_code == 302, response.status_code
    km = Ketenmachtiging.objects.get(relatie_kvk_nummer=KVK_DONALD, intermediair=world.organisatie)
    assert list(km.gebruikers.all()) == [world.beheerder]
    assert not km.groepen.exists()


@pytest.fixture
def unusable_diensten(db):
    """Ids the catalogue does not offer through a ketenmachtiging (it is global, so "foreign"
    means unknown, withdrawn or not usable)."""
    return {
        "diensten": [
            DienstFactory(no_intermediation=True).pk,
            DienstFactory(withdrawn=True).pk,
            999999,
        ],
        "dienstverleners": [DienstverlenerFactory(aangeboden=False).pk, 999999],
    }


def scope_posts(unusable):
    for field, ids in unusable.items():
        for pk in ids:
            yield {f"scope-{field}": [pk]}


def test_unusable_services_are_refused_for_a_group(world, client_a, unusable_diensten):
    url = reverse("groepen:diensten", args=[world.groep.pk])
    before = scope_of(world.groep)
    for data in scope_posts(unusable_diensten):
        response = fetch(client_a, "post", url, {"soort": "beperkt", **data})
        assert response.status_code == 400, (data, response.status_code)
        world.groep.refresh_from_db()
        assert scope_of(world.groep) == before, data


def test_unusable_services_are_refused_in_the_request_wizard(world, client_a, unusable_diensten):
    wizard = reverse("ketenmachtigingen:nieuw")
    assert fetch(client_a, "post", wizard, {"stap": "1", "nummer": KVK_DONALD}).status_code == 302
    for data in scope_posts(unusable_diensten):
        response = fetch(client_a, "post", wizard, {"stap": "2", **data})
        assert response.status_code == 400, (data, response.status_code)
        concept = client_a.session[CONCEPT_KEY][f"aanvraag:{world.organisatie.pk}"]
        assert "scope" not in concept, concept


def test_unusable_services_are_refused_when_granting(world, client_a, unusable_diensten):
    url = reverse("ketenmachtigingen:afgeven")
    assert fetch(client_a, "post", url, {"stap": "1", "nummer": KVK_DONALD}).status_code == 302
    count = Ketenmachtiging.objects.count()
    for data in scope_posts(unusable_diensten):
        response = fetch(client_a, "post", url, {"looptijd": 5, "akkoord_kosten": "on", **data})
        assert response.status_code == 400, (data, response.status_code)
    assert Ketenmachtiging.objects.count() == count


def test_switching_to_a_foreign_organisation_is_a_404(world, client_a):
    url = reverse("accounts:organisatie_switch")
    for value in (world.other_organisatie.pk, 999999, "x", ""):
        response = fetch(client_a, "post", url, {"organisatie": value})
        assert response.status_code == 404, (value, response.status_code)
        assert client_a.session.get(ORGANISATIE_SESSION_KEY) is None
    # Still managing A: A's group list, not B's.
    text = fetch(client_a, "get", reverse("groepen:lijst")).body.decode()
    assert world.groep.naam in text and world.other_groep.naam not in text


def test_foreign_members_and_groups_in_remove_urls_are_a_404(world, client_a):
    """A's own objects in the path, B's in the second argument."""
    # Link B's member and group to A's objects behind the views' backs: the views must still
    # refuse to touch anything that is not A's.
    world.km.gebruikers.add(world.other_gebruiker)
    world.km.groepen.add(world.other_groep)
    world.groep.leden.add(world.other_gebruiker)
    before = snapshot()
    for path in (
        reverse(
            "ketenmachtigingen:gebruiker_verwijder", args=[world.km.pk, world.other_gebruiker.pk]
        ),
        reverse("ketenmachtigingen:groep_verwijder", args=[world.km.pk, world.other_groep.pk]),
        reverse("groepen:lid_verwijder", args=[world.groep.pk, world.other_gebruiker.pk]),
    ):
        response = fetch(client_a, "post", path)
        assert response.status_code == 404, (path, response.status_code)
    assert snapshot_diff(before, snapshot()) == []


def test_a_role_outside_the_choices_is_refused(world, client_a):
    url = reverse("accounts:gebruiker_rol", args=[world.gebruiker.pk])
    for rol in ("superbeheerder", "staff", ""):
        response = fetch(client_a, "post", url, {"rol": rol})
        assert response.status_code == 400, (rol, response.status_code)
    assert Lidmaatschap.objects.get(pk=world.gebruiker.pk).rol == "gebruiker"


def test_an_unknown_supplier_is_refused(world, client_a):
    set_concept_at_step_3(client_a, world.organisatie)
    session = client_a.session
    session[CONCEPT_KEY][f"aanvraag:{world.organisatie.pk}"].update(
        gebruikers=[], groepen=[], looptijd=5, referentie=""
    )
    session.save()
    count = Ketenmachtiging.objects.count()
    response = fetch(
        client_a, "post", reverse("ketenmachtigingen:goedgekeurd"), {"leverancier": "Evil B.V."}
    )
    assert response.status_code == 400
    assert Ketenmachtiging.objects.count() == count


def test_renewing_a_foreign_ketenmachtiging_renews_nothing(world, client_a):
    due = timezone.localdate() + relativedelta(months=2)
    foreign = KetenmachtigingFactory(
        intermediair=world.other_organisatie, actief=True, einddatum=due
    )
    count = Ketenmachtiging.objects.count()
    response = fetch(
        client_a,
        "post",
        reverse("ketenmachtigingen:verleng_selectie"),
        {
            "selectie": [foreign.pk],
            f"naam-{foreign.pk}": "X",
            f"email-{foreign.pk}": "x@y.nl",
            f"taal-{foreign.pk}": "nl",
            "voorletters": "A.",
            "achternaam": "Alpha",
            "email": "a@alpha.nl",
            "telefoon": "0301234567",
            "akkoord_kosten": "on",
        },
    )
    # Nothing of this organisation was chosen: the Acties tab comes back with that message.
    assert response.status_code == 400
    assert Ketenmachtiging.objects.count() == count
    assert not Ketenmachtiging.objects.filter(vernieuwing_van=foreign).exists()


def test_export_of_all_organisations_leaves_out_those_where_i_am_only_gebruiker(world, client_a):
    LidmaatschapFactory(organisatie=world.other_organisatie, user=world.beheerder.user)
    response = fetch(
        client_a,
        "get",
        reverse("ketenmachtigingen:export") + "?tab=actief&format=csv&alle_organisaties=1",
    )
    text = body_text(response)
    assert world.km.relatie_naam in text
    assert world.other_km.relatie_naam not in text
    assert world.other_organisatie.naam not in text
