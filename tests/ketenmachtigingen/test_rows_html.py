"""The overview's rows as written in Python (``ketenmachtigingen/rows_html.py``): what each kind
of row shows, in Dutch and English, with everything a person typed escaped, and forms that
work."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ketenmachtigingen.models import Ketenmachtiging
from tests.conftest import verified_client
from tests.factories import GroepFactory, KetenmachtigingFactory, LidmaatschapFactory

pytestmark = pytest.mark.django_db
OVERVIEW = reverse("ketenmachtigingen:van_relaties")
SCRIPT = "<script>alert(1)</script>"


def _row(html: str, naam: str) -> str:
    """The ``<tr>`` of the row whose title is ``naam`` (escaped as on the page)."""
    start = html.index(f'<span class="kp-row__title">{naam}')
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]


@pytest.fixture
def page(world):
    def get(tab: str, taal: str = "nl") -> str:
        user = world.beheerder.user
        type(user).objects.filter(pk=user.pk).update(taal=taal)
        response = verified_client(user).get(OVERVIEW, {"tab": tab})
        assert response.status_code == 200
        return response.content.decode()

    return get


def test_an_active_row_with_users_groups_and_a_renewal_due(world, page):
    org = world.organisatie
    today = timezone.localdate()
    km = KetenmachtigingFactory(
        intermediair=org,
        actief=True,
        relatie_naam=f"Bakkerij {SCRIPT}",
        referentie="dossier & co",
        startdatum=today - timedelta(days=300),
        einddatum=today + timedelta(days=40),
    )
    lid = LidmaatschapFactory(organisatie=org, user__last_name="<b>Jansen</b>")
    groep = GroepFactory(organisatie=org, naam="Team <i>Loon</i>")
    km.gebruikers.add(lid)
    km.groepen.add(groep)

    row = _row(page("actief"), "Bakkerij &lt;script&gt;")
    assert SCRIPT not in row and "<b>Jansen" not in row and "<i>Loon" not in row
    assert "Bakkerij &lt;script&gt;alert(1)&lt;/script&gt;" in row
    assert '<td class="kp-cell-fit">dossier &amp; co</td>' in row
    assert f"<dt>Einddatum</dt><dd>{km.einddatum:%d-%m-%Y}</dd>" in row
    assert "&lt;b&gt;Jansen&lt;/b&gt;" in row
    assert "Groep: Team &lt;i&gt;Loon&lt;/i&gt;" in row
    # A "Verwijder" form per link, back to this page, with the session's CSRF token.
    unlink = reverse("ketenmachtigingen:gebruiker_verwijder", args=[km.pk, lid.pk])
    assert f'action="{unlink}"' in row
    assert re.search(r'name="csrfmiddlewaretoken" value="\w{64}"', row)
    assert f'name="next" value="{OVERVIEW}?tab=actief"' in row
    assert f'action="{reverse("ketenmachtigingen:verleng", args=[km.pk])}"' in row
    assert "Vraag verlenging aan" in row
    assert f'href="{reverse("ketenmachtigingen:gebruikers", args=[km.pk])}"' in row

    english = _row(page("actief", "en"), "Bakkerij &lt;script&gt;")
    assert "Request renewal" in english and "Group: Team" in english
    assert "Vraag verlenging aan" not in english


def test_a_row_without_users_and_a_relatie_without_kvk(world, page):
    KetenmachtigingFactory(
        intermediair=world.organisatie,
        actief=True,
        relatie_naam="Stichting Zonder KvK",
        relatie_kvk_nummer="",
        relatie_rsin="123456782",
    )
    row = _row(page("actief"), "Stichting Zonder KvK")
    assert '<td class="kp-cell-fit">RSIN 123456782</td>' in row
    assert '<li class="kp-muted">Er zijn nog geen gebruikers gekoppeld.</li>' in row


def test_pending_rows_say_why_and_how_long(world, page):
    org = world.organisatie
    today = timezone.localdate()
    fout = KetenmachtigingFactory(
        intermediair=org,
        fout=True,
        relatie_naam="Fout B.V.",
        status_reden="Adres <onbekend>",
        referentie="ref-1",
    )
    KetenmachtigingFactory(intermediair=org, incompleet=True, relatie_naam="Incompleet B.V.")
    KetenmachtigingFactory(
        intermediair=org,
        relatie_naam="Bijna vervallen B.V.",
        uitnodiging_geldig_tot=today + timedelta(days=1),
    )
    html = page("wachtend")
    row = _row(html, "Fout B.V.")
    assert '<dt>Reden</dt><dd class="kp-error-text">Adres &lt;onbekend&gt;</dd>' in row
    # No end date column in Wachtend.
    assert row.count('<td class="kp-cell-fit"></td>') == 1
    assert f"<dd>{fout.uitnodiging_geldig_tot:%d-%m-%Y}</dd>" in row
    assert "<dt>Wat ontbreekt</dt><dd>Handtekening ontbreekt</dd>" in _row(html, "Incompleet B.V.")
    assert "nog 1 dag" in _row(html, "Bijna vervallen B.V.")

    english = page("wachtend", "en")
    assert "<dt>What is missing</dt>" in _row(english, "Incompleet B.V.")
    assert "1 day left" in _row(english, "Bijna vervallen B.V.")


def test_a_renewal_and_its_original_point_at_each_other(world, page):
    org = world.organisatie
    today = timezone.localdate()
    original = KetenmachtigingFactory(
        intermediair=org,
        actief=True,
        relatie_naam="Verlengd B.V.",
        startdatum=today - timedelta(days=300),
        einddatum=today + timedelta(days=40),
    )
    renewal = KetenmachtigingFactory(
        intermediair=org,
        relatie_naam="Verlengd B.V.",
        relatie_kvk_nummer=original.relatie_kvk_nummer,
        vernieuwing_van=original,
    )
    row = _row(page("actief"), "Verlengd B.V.")
    assert "Bekijk de verlenging" in row and "Vraag verlenging aan" not in row
    assert f'href="{reverse("ketenmachtigingen:detail", args=[renewal.pk])}"' in row
    pending = _row(page("wachtend"), "Verlengd B.V.")
    assert f"Verlenging van {original.kenmerk}" in pending
    assert f'href="{reverse("ketenmachtigingen:detail", args=[original.pk])}"' in pending
    assert Ketenmachtiging.objects.filter(vernieuwing_van=original).count() == 1


def test_the_filter_lists_show_the_organisations_own_options_with_the_chosen_one_selected(
    world,
):
    org = world.organisatie
    lid = LidmaatschapFactory(organisatie=org, user__voorletters="A.", user__last_name="<Smit>")
    groep = GroepFactory(organisatie=org, naam="Team & Co")
    vreemd = LidmaatschapFactory(user__last_name="Van Elders")  # another organisation's user
    client = verified_client(world.beheerder.user)

    html = client.get(OVERVIEW, {"tab": "actief", "gebruiker": lid.pk}).content.decode()
    users = html[
        html.index('id="km-gebruiker"') : html.index("</select>", html.index("km-gebruiker"))
    ]
    assert f'<option value="{lid.pk}" selected>A. &lt;Smit&gt;</option>' in users
    assert "Van Elders" not in users and f'value="{vreemd.pk}"' not in users
    assert f'<option value="{groep.pk}">Team &amp; Co</option>' in html
    assert html.count(" selected>") >= 1

    html = client.get(OVERVIEW, {"tab": "actief", "groep": groep.pk}).content.decode()
    assert f'<option value="{groep.pk}" selected>Team &amp; Co</option>' in html
    assert f'<option value="{lid.pk}">A. &lt;Smit&gt;</option>' in html


def test_every_value_stands_under_its_own_column_header(world, page):
    km = KetenmachtigingFactory(
        intermediair=world.organisatie,
        actief=True,
        relatie_naam="Kolommen B.V.",
        relatie_kvk_nummer="12345678",
        referentie="mijn-ref",
    )
    html = page("actief")
    head = html[html.index("<thead>") : html.index("</thead>")]
    headers = [
        re.sub(r"<[^>]+>|[▲▼]", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", head)
    ]
    cells = re.findall(r'<td class="kp-cell-fit">(.*?)</td>', _row(html, "Kolommen B.V."))
    by_header = dict(zip(headers[1:], cells, strict=True))
    assert by_header["KvK-nummer"] == "12345678"
    assert by_header["Einddatum"] == f"{km.einddatum:%d-%m-%Y}"
    assert by_header["Statusdatum"] == f"{timezone.localtime(km.updated_at):%d-%m-%Y}"
    assert by_header["Uw referentie"] == "mijn-ref"
    assert "Actief" in by_header["Status"]
