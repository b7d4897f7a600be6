"""The service picker and the catalogue page."""

import re

import pytest
from django.urls import reverse

from diensten.picker import ScopePickerForm, picker_context
from diensten.scope import Scope
from diensten.selectors import diensten_search
from tests.conftest import verified_client
from tests.factories import DienstFactory, DienstverlenerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    uwv = DienstverlenerFactory(naam_nl="UWV", naam_en="Employee Insurance Agency")
    bd = DienstverlenerFactory(naam_nl="Belastingdienst", naam_en="Tax Administration")
    return {
        "uwv": uwv,
        "bd": bd,
        "ziektewet": DienstFactory(dienstverlener=uwv, naam_nl="Verzuim Ziektewet"),
        "btw": DienstFactory(dienstverlener=bd, naam_nl="Omzetbelasting", naam_en="VAT"),
        "blocked": DienstFactory(
            dienstverlener=bd, naam_nl="Dividendbelasting", no_intermediation=True
        ),
        "gone": DienstFactory(dienstverlener=bd, naam_nl="Oude dienst", withdrawn=True),
    }


def test_search_by_service_or_dienstverlener(catalogue):
    assert [d.naam_nl for g in diensten_search(q="ziekte").groups for d in g.diensten] == [
        "Verzuim Ziektewet"
    ]
    by_provider = diensten_search(q="belasting").groups
    assert [g.dienstverlener.naam_nl for g in by_provider] == ["Belastingdienst"]
    assert {d.naam_nl for d in by_provider[0].diensten} == {"Omzetbelasting", "Dividendbelasting"}
    assert [d.naam_nl for g in diensten_search(q="VAT").groups for d in g.diensten] == [
        "Omzetbelasting"
    ]
    # Every word must match somewhere; withdrawn services never show.
    assert not diensten_search(q="UWV omzet").groups
    assert "Oude dienst" not in str(
        [d.naam_nl for g in diensten_search().groups for d in g.diensten]
    )


def test_search_is_capped(catalogue):
    for n in range(30):
        DienstFactory(dienstverlener=catalogue["uwv"], naam_nl=f"Extra {n}")
    result = diensten_search(q="extra", limit=10)
    assert result.total == 10 and result.truncated


def test_form_validates_the_choice(catalogue):
    form = ScopePickerForm(
        {"scope-diensten": [catalogue["btw"].pk], "scope-dienstverleners": [catalogue["uwv"].pk]}
    )
    assert form.is_valid()
    assert form.scope == Scope.of(
        dienstverleners=[catalogue["uwv"].pk], diensten=[catalogue["btw"].pk]
    )
    assert ScopePickerForm(
        {"scope-algemeen": "on", "scope-diensten": [catalogue["btw"].pk]}
    ).is_valid()
    assert not ScopePickerForm({}).is_valid()
    assert ScopePickerForm({}, require_choice=False).is_valid()
    for bad in (catalogue["blocked"].pk, catalogue["gone"].pk, 424242, "x"):
        assert not ScopePickerForm({"scope-diensten": [bad]}).is_valid(), bad


def test_picker_renders_groups_badges_and_reasons(world, catalogue):
    client = verified_client(world.beheerder.user)
    response = client.get(
        reverse("diensten:picker"),
        {"prefix": "scope", "scope-q": "belasting", "scope-diensten": [catalogue["ziektewet"].pk]},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Dienstverlenersmachtiging voor Belastingdienst" in html
    assert "EH 3" in html
    assert "kan niet via een ketenmachtiging worden gebruikt" in html
    assert f'value="{catalogue["blocked"].pk}" disabled' in html
    # The chosen service that the search does not show is kept as a hidden input.
    assert f'type="hidden" name="scope-diensten" value="{catalogue["ziektewet"].pk}"' in html
    assert "Algemene bevoegdheid" in html


def test_a_search_announces_a_count_not_the_whole_list(world, catalogue):
    """The results are not a live region (a screen reader would read up to 200 services); a
    status line, swapped out of band, says how many were found."""
    from django.template.loader import render_to_string

    client = verified_client(world.beheerder.user)
    html = client.get(
        reverse("diensten:picker"), {"prefix": "scope", "scope-q": "belasting"}
    ).content.decode()
    status = re.search(r'<p id="dienst-picker-status"[^>]*hx-swap-oob="true">([^<]*)</p>', html)
    assert status and re.fullmatch(r"\d+ diensten? gevonden\.", status.group(1).strip()), html[
        -400:
    ]
    none = client.get(reverse("diensten:picker"), {"scope-q": "xyzzy-niets"}).content.decode()
    assert "Geen diensten gevonden." in none
    page = render_to_string("includes/dienst_picker.html", {"picker": picker_context()})
    assert "aria-live" not in page and 'role="status"' in page


def test_picker_fragment_refuses_odd_prefixes(world, catalogue):
    client = verified_client(world.beheerder.user)
    html = client.get(
        reverse("diensten:picker"), {"prefix": '"><script>', "picker_id": 'x"onload'}
    ).content.decode()
    assert "<script>" not in html and 'x"onload' not in html


def test_picker_labels_every_checkbox(catalogue):
    from django.template.loader import render_to_string

    html = render_to_string("includes/dienst_picker.html", {"picker": picker_context()})
    import re

    ids = re.findall(r'<input type="checkbox"[^>]* id="([^"]+)"', html)
    assert ids
    for input_id in ids:
        assert f'for="{input_id}"' in html


def test_catalogue_page(world, catalogue):
    client = verified_client(world.beheerder.user)
    html = client.get(reverse("diensten:catalogus"), {"q": "belasting"}).content.decode()
    assert "Omzetbelasting" in html and "Verzuim Ziektewet" not in html
    assert "Dividendbelasting" in html


def test_picker_and_catalogue_need_a_beheerder(world):
    client = verified_client(world.gebruiker.user)
    assert client.get(reverse("diensten:picker")).status_code == 403
    assert client.get(reverse("diensten:catalogus")).status_code == 403
