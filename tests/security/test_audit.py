"""Every create, change and delete of a ketenmachtiging, user, group, membership or setting
writes exactly one audit row: who, when, what, the old and the new value (security row 23).
And the audit trail is kept safe: nobody can write, change or delete its rows by hand."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import AuditEntry, Lidmaatschap, User
from diensten.scope import Scope
from groepen import services as groep_services
from ketenmachtigingen import services as km_services
from ketenmachtigingen.models import Afzenderinstellingen
from ketenportal.exceptions import DomainError
from tests.factories import TEST_PASSWORD, DienstFactory, KetenmachtigingFactory, UserFactory

from .common import client_for, fetch

pytestmark = pytest.mark.django_db


@dataclass
class Expect:
    """What the one new audit row must say."""

    obj: Any
    organisatie: Any
    action: str
    field: str
    old: Any
    new: Any
    actor: Any = None  # default: A's beheerder
    # A change between two organisations on the platform (a grant ended): the other side's
    # log has exactly one row of it too.
    other_side: Any = None


def relatie(naam="Test BV Donald", kvk="68750110") -> km_services.Relatie:
    return km_services.Relatie(
        naam=naam, kvk_nummer=kvk, rsin="", adres="Straat 1", postcode_plaats="1234AB Plaats"
    )


def contacten() -> km_services.Contacten:
    return km_services.Contacten(
        voorletters="A.",
        tussenvoegsel="",
        achternaam="Pietersen",
        email="a@alpha.nl",
        telefoon="+31612345678",
        relatie_email="directie@donald.nl",
        relatie_telefoon="",
    )


# Each case performs one service as A's beheerder (or as staff) and says what the row must hold.


def rol_wijzigen(w, actor):
    account_services.lidmaatschap_set_rol(actor=actor, lidmaatschap=w.gebruiker, rol="beheerder")
    return Expect(w.gebruiker, w.organisatie, "update", "rol", "gebruiker", "beheerder")


def lid_verwijderen(w, actor):
    account_services.lidmaatschap_remove(actor=actor, lidmaatschap=w.gebruiker)
    return Expect(w.gebruiker, w.organisatie, "delete", "rol", "gebruiker", None)


def lid_toevoegen(w, actor):
    lid = account_services.lidmaatschap_create(
        actor=actor, user=UserFactory(), organisatie=w.organisatie
    )
    return Expect(lid, w.organisatie, "create", "rol", None, "gebruiker")


def profiel_wijzigen(w, actor):
    old = actor.email
    account_services.user_update_profile(actor=actor, user=actor, email="nieuw@alpha.nl")
    # A person's change is logged for each organisation they belong to: here the one.
    return Expect(actor, w.organisatie, "update", "email", old, "nieuw@alpha.nl")


def groep_aanmaken(w, actor):
    groep = groep_services.groep_create(actor=actor, organisatie=w.organisatie, naam="Nieuw")
    return Expect(groep, w.organisatie, "create", "naam", None, "Nieuw")


def groep_hernoemen(w, actor):
    groep_services.groep_rename(actor=actor, groep=w.groep, naam="Hernoemd")
    return Expect(w.groep, w.organisatie, "update", "naam", "Loonadministratie", "Hernoemd")


def groep_verwijderen(w, actor):
    groep_services.groep_delete(actor=actor, groep=w.groep)
    return Expect(w.groep, w.organisatie, "delete", "naam", "Loonadministratie", None)


def groep_leden_toevoegen(w, actor):
    groep_services.groep_leden_add(actor=actor, groep=w.groep, lidmaatschappen=[w.beheerder])
    return Expect(w.groep, w.organisatie, "update", "leden", None, [str(w.beheerder.user)])


def groep_lid_verwijderen(w, actor):
    groep_services.groep_lid_remove(actor=actor, groep=w.groep, lidmaatschap=w.gebruiker)
    return Expect(w.groep, w.organisatie, "update", "leden", str(w.gebruiker.user), None)


def groep_diensten(w, actor):
    dienst = DienstFactory(naam_nl="Loonaangifte")
    groep_services.groep_set_scope(actor=actor, groep=w.groep, scope=Scope.of(diensten=[dienst.pk]))
    return Expect(w.groep, w.organisatie, "update", "diensten", "*", "*")


def km_aanvragen(w, actor):
    km = km_services.ketenmachtiging_request(
        actor=actor,
        intermediair=w.organisatie,
        relatie=relatie(),
        scope=Scope.algemene_bevoegdheid(),
        looptijd_jaren=5,
        contacten=contacten(),
        taal="nl",
        akkoord_kosten=True,
    )
    return Expect(km, w.organisatie, "create", "status", None, "aanvraag_verstuurd")


def km_registreren(w, actor):
    km = km_services.ketenmachtiging_register_approved(
        actor=actor,
        intermediair=w.organisatie,
        relatie=relatie(),
        scope=Scope.algemene_bevoegdheid(),
        looptijd_jaren=3,
        leverancier="Ketenportal",
    )
    return Expect(km, w.organisatie, "create", "status", None, "actief")


def km_koppelen(w, actor):
    km_services.ketenmachtiging_link(actor=actor, km=w.km, gebruikers=[w.beheerder])
    return Expect(w.km, w.organisatie, "update", "gebruikers", None, [str(w.beheerder.user)])


def km_gebruiker_ontkoppelen(w, actor):
    km_services.ketenmachtiging_unlink_gebruiker(actor=actor, km=w.km, lidmaatschap=w.gebruiker)
    return Expect(w.km, w.organisatie, "update", "gebruikers", str(w.gebruiker.user), None)


def km_groep_ontkoppelen(w, actor):
    km_services.ketenmachtiging_unlink_groep(actor=actor, km=w.km, groep=w.groep)
    return Expect(w.km, w.organisatie, "update", "groepen", "Loonadministratie", None)


def km_beeindigen(w, actor):
    km_services.ketenmachtiging_end(actor=actor, km=w.km)
    return Expect(w.km, w.organisatie, "transition", "status", "actief", "beeindigd")


def km_beeindigen_per_datum(w, actor):
    per = timezone.localdate() + timedelta(days=30)
    km_services.ketenmachtiging_end(actor=actor, km=w.km, per=per)
    return Expect(w.km, w.organisatie, "update", "einde_gepland_op", None, per.isoformat())


def km_opnieuw_versturen(w, actor):
    km = KetenmachtigingFactory(intermediair=w.organisatie, fout=True)
    km_services.ketenmachtiging_resend(actor=actor, km=km)
    return Expect(km, w.organisatie, "transition", "status", "fout", "aanvraag_verstuurd")


def km_ontvangen(w, actor):
    staff = UserFactory(is_staff=True)
    km = KetenmachtigingFactory(intermediair=w.organisatie)
    km_services.backoffice_mark_received(actor=staff, km=km)
    return Expect(
        km, w.organisatie, "transition", "status", "aanvraag_verstuurd", "aanvraag_ontvangen", staff
    )


def km_goedkeuren(w, actor):
    staff = UserFactory(is_staff=True)
    km = KetenmachtigingFactory(intermediair=w.organisatie, ontvangen=True)
    km_services.backoffice_approve(actor=staff, km=km)
    return Expect(km, w.organisatie, "transition", "status", "aanvraag_ontvangen", "actief", staff)


def km_afgeven(w, actor):
    km = km_services.ketenmachtiging_grant(
        actor=actor,
        relatie_organisatie=w.organisatie,
        intermediair=relatie(),
        scope=Scope.algemene_bevoegdheid(),
        looptijd_jaren=2,
        akkoord_kosten=True,
    )
    return Expect(km, w.organisatie, "create", "looptijd_jaren", None, 2)


def km_afgegeven_beeindigen(w, actor):
    km_services.ketenmachtiging_end_granted(actor=actor, km=w.afgegeven)
    return Expect(
        w.afgegeven,
        w.organisatie,
        "transition",
        "status",
        "actief",
        "beeindigd",
        other_side=w.other_organisatie,
    )


def afzender_aanmaken(w, actor):
    instellingen = km_services.afzender_update(
        actor=actor, organisatie=w.organisatie, achternaam="Jansen"
    )
    return Expect(instellingen, w.organisatie, "create", "achternaam", None, "Jansen")


def afzender_wijzigen(w, actor):
    Afzenderinstellingen.objects.create(organisatie=w.organisatie, achternaam="Jansen")
    instellingen = km_services.afzender_update(
        actor=actor, organisatie=w.organisatie, achternaam="De Vries"
    )
    return Expect(instellingen, w.organisatie, "update", "achternaam", "Jansen", "De Vries")


CASES: list[Callable] = [
    rol_wijzigen,
    lid_verwijderen,
    lid_toevoegen,
    profiel_wijzigen,
    groep_aanmaken,
    groep_hernoemen,
    groep_verwijderen,
    groep_leden_toevoegen,
    groep_lid_verwijderen,
    groep_diensten,
    km_aanvragen,
    km_registreren,
    km_koppelen,
    km_gebruiker_ontkoppelen,
    km_groep_ontkoppelen,
    km_beeindigen,
    km_beeindigen_per_datum,
    km_opnieuw_versturen,
    km_ontvangen,
    km_goedkeuren,
    km_afgeven,
    km_afgegeven_beeindigen,
    afzender_aanmaken,
    afzender_wijzigen,
]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_each_change_writes_exactly_one_audit_row(world, case):
    actor = world.beheerder.user
    # A second beheerder, so the first may change or remove roles.
    world.organisatie.lidmaatschappen.create(user=UserFactory(), rol="beheerder")
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    start = timezone.now()
    expect = case(world, actor)
    new = list(AuditEntry.objects.exclude(pk__in=before))
    if expect.other_side is not None:
        theirs = [e for e in new if e.organisatie == expect.other_side]
        assert len(theirs) == 1, [(e.kind, e.action, e.changes) for e in theirs]
        assert (theirs[0].object_type, theirs[0].object_id) == (
            expect.obj._meta.label_lower,
            str(expect.obj.pk),
        )
        new = [e for e in new if e.organisatie != expect.other_side]
    assert len(new) == 1, [(e.kind, e.action, e.changes) for e in new]
    entry = new[0]
    who = expect.actor or actor
    assert (entry.actor, entry.actor_repr) == (who, str(who))  # who
    assert start <= entry.timestamp <= timezone.now()  # when
    assert entry.organisatie == expect.organisatie
    assert entry.action == expect.action  # what
    assert (entry.object_type, entry.object_id) == (
        expect.obj._meta.label_lower,
        str(expect.obj.pk),
    )
    assert entry.object_repr
    change = entry.changes[expect.field]  # old and new value
    if expect.old == "*":
        assert change["old"] and change["new"] and change["old"] != change["new"], change
    else:
        assert change == {"old": expect.old, "new": expect.new}, change


def test_a_password_change_is_audited_without_the_password(world):
    user = world.beheerder.user
    client = client_for(user)
    before = AuditEntry.objects.count()
    response = fetch(
        client,
        "post",
        reverse("accounts:password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "Another-Long-Passphrase-42",
            "new_password2": "Another-Long-Passphrase-42",
        },
    )
    assert response.status_code == 302
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("pk")
    assert entry.actor == user and entry.kind == "beveiliging"
    assert "Another-Long-Passphrase-42" not in str(entry.changes)
    assert user.password not in str(entry.changes)


def test_a_change_that_changes_nothing_writes_no_row(world):
    actor = world.beheerder.user
    before = AuditEntry.objects.count()
    groep_services.groep_rename(actor=actor, groep=world.groep, naam=world.groep.naam)
    account_services.lidmaatschap_set_rol(
        actor=actor, lidmaatschap=world.gebruiker, rol="gebruiker"
    )
    km_services.ketenmachtiging_link(actor=actor, km=world.km, gebruikers=[world.gebruiker])
    assert AuditEntry.objects.count() == before


def test_a_refused_change_writes_no_row(world):
    """The row is written in the transaction of the change: no change, no row."""
    actor = world.beheerder.user
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError):  # the only beheerder cannot step down
        account_services.lidmaatschap_set_rol(
            actor=actor, lidmaatschap=world.beheerder, rol="gebruiker"
        )
    with pytest.raises(DomainError):  # an active one cannot be sent again
        km_services.ketenmachtiging_resend(actor=actor, km=world.km)
    assert AuditEntry.objects.count() == before
    assert Lidmaatschap.objects.get(pk=world.beheerder.pk).rol == "beheerder"


# --- The audit trail is kept safe --------------------------------------------------------------


def test_the_audit_trail_cannot_be_edited_in_the_admin(world, people):
    groep_services.groep_rename(actor=world.beheerder.user, groep=world.groep, naam="Hernoemd")
    entry = AuditEntry.objects.get()
    client = client_for(people.superuser)
    for name, args in (
        ("admin:accounts_auditentry_add", []),
        ("admin:accounts_auditentry_change", [entry.pk]),
        ("admin:accounts_auditentry_delete", [entry.pk]),
    ):
        response = fetch(
            client, "post", reverse(name, args=args), {"object_repr": "x", "post": "yes"}
        )
        assert response.status_code == 403, (name, response.status_code)
    response = fetch(
        client,
        "post",
        reverse("admin:accounts_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert AuditEntry.objects.filter(pk=entry.pk, object_repr=entry.object_repr).exists()


# --- Changes made by staff in the Django admin --------------------------------------------------


class FormFields(HTMLParser):
    """The values a browser would submit with the admin's change form (``id="…_form"``)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self._done:
            return
        if tag == "form" and (a.get("id") or "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button", "file", "image"):
                return
            self.data.setdefault(name, []).append(
                a.get("value") or ("on" if kind == "checkbox" else "")
            )
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form, self._done = False, True


def admin_form(client, url) -> dict:
    page = fetch(client, "get", url)
    assert page.status_code == 200, (url, page.status_code)
    parser = FormFields()
    parser.feed(page.body.decode())
    return {k: v if len(v) != 1 else v[0] for k, v in parser.data.items()}


def test_changes_made_in_the_admin_are_audited_too(world, people):
    """Staff change people, memberships, organisations and groups in the Django admin. Those
    changes decide who may act for whom just as much as the portal's own: one audit row each."""
    client = client_for(people.superuser)
    problems = []

    def change(what, url, edit, check):
        data = admin_form(client, url)
        edit(data)
        before = AuditEntry.objects.count()
        response = fetch(client, "post", url, {**data, "_save": "Opslaan"})
        errors = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.body.decode(), re.S)
        assert response.status_code == 302, (what, response.status_code, errors)
        assert check(), f"{what}: the admin did not save the change"
        written = AuditEntry.objects.count() - before
        if written != 1:
            problems.append(f"{what} in the admin wrote {written} audit rows")

    user = world.gebruiker.user
    change(
        "raising a user's EH level and making them staff",
        reverse("admin:accounts_user_change", args=[user.pk]),
        lambda d: d.update(eh_niveau="urn:etoegang:core:assurance-class:loa4", is_staff="on"),
        lambda: User.objects.filter(pk=user.pk, is_staff=True).exists(),
    )
    lid = world.gebruiker
    prefix = next(
        k.removesuffix("-TOTAL_FORMS")
        for k in admin_form(client, reverse("admin:accounts_user_change", args=[user.pk]))
        if k.endswith("-TOTAL_FORMS")
    )

    def make_beheerder(d):
        for key, value in list(d.items()):
            if key.startswith(prefix) and key.endswith("-id") and str(value) == str(lid.pk):
                d[key.removesuffix("-id") + "-rol"] = "beheerder"

    change(
        "making a member beheerder",
        reverse("admin:accounts_user_change", args=[user.pk]),
        make_beheerder,
        lambda: Lidmaatschap.objects.get(pk=lid.pk).rol == "beheerder",
    )
    change(
        "renaming an organisation",
        reverse("admin:accounts_organisatie_change", args=[world.organisatie.pk]),
        lambda d: d.update(naam="Alpha Hernoemd B.V."),
        lambda: (
            type(world.organisatie).objects.get(pk=world.organisatie.pk).naam
            == "Alpha Hernoemd B.V."
        ),
    )
    change(
        "adding a member to a group",
        reverse("admin:groepen_groep_change", args=[world.groep.pk]),
        lambda d: d.update(leden=f"{world.gebruiker.pk},{world.beheerder.pk}"),
        lambda: world.groep.leden.filter(pk=world.beheerder.pk).exists(),
    )
    assert not problems, "\n".join(problems)
