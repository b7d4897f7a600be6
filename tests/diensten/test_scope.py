"""Scopes: coverage rules and readable text."""

import pytest

from diensten.scope import (
    Scope,
    diensten_covered_by,
    scope_covers,
    scope_of,
    scope_save,
    scope_text,
)
from tests.factories import DienstFactory, DienstverlenerFactory, GroepFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    uwv = DienstverlenerFactory(naam_nl="UWV", naam_en="UWV")
    bd = DienstverlenerFactory(naam_nl="Belastingdienst", naam_en="Tax Administration")
    return {
        "uwv": uwv,
        "bd": bd,
        "verzuim": DienstFactory(dienstverlener=uwv, naam_nl="Verzuim"),
        "ontslag": DienstFactory(dienstverlener=uwv, naam_nl="Ontslag"),
        "btw": DienstFactory(dienstverlener=bd, naam_nl="Omzetbelasting", naam_en="VAT"),
        "lh": DienstFactory(dienstverlener=bd, naam_nl="Loonheffingen"),
    }


def test_algemene_bevoegdheid_covers_everything_also_later(catalogue):
    scope = Scope.algemene_bevoegdheid()
    later = DienstFactory()
    assert all(scope_covers(scope, d) for d in [*catalogue.values()][2:] + [later])
    assert diensten_covered_by(scope).count() == 5


def test_dienstverlenersmachtiging_covers_all_its_services_also_later(catalogue):
    scope = Scope.of(dienstverleners=[catalogue["uwv"].pk])
    later = DienstFactory(dienstverlener=catalogue["uwv"])
    assert scope_covers(scope, catalogue["verzuim"]) and scope_covers(scope, later)
    assert not scope_covers(scope, catalogue["btw"])
    assert set(diensten_covered_by(scope)) == {catalogue["verzuim"], catalogue["ontslag"], later}


def test_individual_services(catalogue):
    scope = Scope.of(diensten=[catalogue["btw"].pk])
    assert scope_covers(scope, catalogue["btw"])
    assert not scope_covers(scope, catalogue["lh"])
    assert not scope_covers(scope, DienstFactory(dienstverlener=catalogue["bd"]))


def test_empty_scope_covers_nothing(catalogue):
    assert Scope().is_empty
    assert not scope_covers(Scope(), catalogue["btw"])
    assert not diensten_covered_by(Scope()).exists()


def test_text(catalogue, settings):
    assert scope_text(Scope.algemene_bevoegdheid()) == "Algemene bevoegdheid: alle diensten"
    assert scope_text(Scope.of(dienstverleners=[catalogue["uwv"].pk])) == "Alle diensten van UWV"
    both = Scope.of(dienstverleners=[catalogue["uwv"].pk, catalogue["bd"].pk])
    assert scope_text(both) == "Alle diensten van Belastingdienst en UWV"
    three = Scope.of(diensten=[catalogue["btw"].pk, catalogue["lh"].pk, catalogue["verzuim"].pk])
    assert scope_text(three) == (
        "3 diensten: Loonheffingen (Belastingdienst), Omzetbelasting (Belastingdienst), "
        "Verzuim (UWV)"
    )
    one = Scope.of(diensten=[catalogue["btw"].pk])
    assert scope_text(one) == "1 dienst: Omzetbelasting (Belastingdienst)"
    mixed = Scope.of(dienstverleners=[catalogue["uwv"].pk], diensten=[catalogue["btw"].pk])
    assert scope_text(mixed) == "Alle diensten van UWV; 1 dienst: Omzetbelasting (Belastingdienst)"


def test_text_in_english(catalogue):
    from django.utils import translation

    with translation.override("en"):
        assert scope_text(Scope.algemene_bevoegdheid()) == "General authority: all services"
        assert scope_text(Scope.of(diensten=[catalogue["btw"].pk])) == (
            "1 service: VAT (Tax Administration)"
        )


def test_long_lists_are_shortened(catalogue):
    many = [DienstFactory(dienstverlener=catalogue["bd"]).pk for _ in range(6)]
    assert scope_text(Scope.of(diensten=many)).endswith("en nog 3")


def test_store_and_load_round_trip(catalogue):
    groep = GroepFactory(algemene_bevoegdheid=False)
    scope = Scope.of(dienstverleners=[catalogue["uwv"].pk], diensten=[catalogue["btw"].pk])
    scope_save(groep, scope)
    groep.refresh_from_db()
    assert scope_of(groep) == scope
    scope_save(groep, Scope(algemeen=True, dienst_ids=frozenset([catalogue["lh"].pk])))
    groep.refresh_from_db()
    assert scope_of(groep) == Scope.algemene_bevoegdheid()
    assert not groep.diensten.exists()
