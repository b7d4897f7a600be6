"""Export of the overview as .csv and .xlsx (manual 5.2, the "wolkje").

Each tab's file holds exactly that tab's rows, of the managed organisation or of all
organisations where the person is beheerder, never of another organisation (security row 6);
names that look like formulas are inert text on read-back (row 17); downloads are not stored
(row 21); the number of queries does not grow with the rows.
"""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from accounts.constants import Rol
from diensten.scope import Scope, scope_save
from tests.conftest import verified_client
from tests.factories import (
    DienstFactory,
    DienstverlenerFactory,
    GroepFactory,
    KetenmachtigingFactory,
    LidmaatschapFactory,
    OrganisatieFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
EXPORT = reverse("ketenmachtigingen:export")
OVERVIEW = reverse("ketenmachtigingen:van_relaties")
HEADER_EN = [
    "Organisation",
    "Relation",
    "KvK number",
    "RSIN",
    "Your reference",
    "Reference code",
    "Status",
    "Authorisations",
    "Services",
    "Service providers",
    "Users",
    "Groups",
    "Start date",
    "End date",
    "Ends on",
    "Invitation sent",
    "Valid until",
]
COL = {label: index for index, label in enumerate(HEADER_EN)}
FORMULA_PAYLOADS = ['=HYPERLINK("http://evil.nl","x")', "@SUM(A1)", "+1", "\t=1", "-2+3"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ["csv", "xlsx"]


# --- Helpers -------------------------------------------------------------------------------


def english_client(user):
    """A verified client whose pages (and exports) are in English: the msgids."""
    user.taal = "en"
    user.save(update_fields=["taal"])
    return verified_client(user)


def body_of(response) -> bytes:
    return b"".join(response.streaming_content)


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "a BOM makes Excel read UTF-8"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))


def read_xlsx(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def table(response, fmt: str) -> list[list]:
    """Header and rows as read back by a spreadsheet program; empty cells as ""."""
    content = body_of(response)
    if fmt == "csv":
        return read_csv(content)
    sheet = read_xlsx(content)
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def relaties(rows: list[list]) -> list[str]:
    return [row[COL["Relation"]] for row in rows[1:]]


def export(client, fmt: str = "csv", **params):
    response = client.get(EXPORT, {"format": fmt, **params})
    assert response.status_code == 200, response.status_code
    return response


@pytest.fixture
def client_(world):
    return english_client(world.beheerder.user)


@pytest.fixture
def tabs(world) -> dict[str, set[str]]:
    """One ketenmachtiging per situation in the managed organisation; what each tab holds."""
    today = timezone.localdate()
    org = world.organisatie
    KetenmachtigingFactory(intermediair=org, actief=True, relatie_naam="Actief")
    KetenmachtigingFactory(
        intermediair=org,
        actief=True,
        relatie_naam="Bijna verlopen",
        einddatum=today + timedelta(days=40),
    )
    KetenmachtigingFactory(
        intermediair=org,
        actief=True,
        relatie_naam="Eindigt later",
        einde_gepland_op=today + timedelta(days=10),
    )
    KetenmachtigingFactory(
        intermediair=org,
        actief=True,
        relatie_naam="Al beëindigd",
        einde_gepland_op=today - timedelta(days=1),
    )
    KetenmachtigingFactory(intermediair=org, relatie_naam="Verstuurd")
    KetenmachtigingFactory(intermediair=org, ontvangen=True, relatie_naam="Ontvangen")
    KetenmachtigingFactory(intermediair=org, incompleet=True, relatie_naam="Incompleet")
    KetenmachtigingFactory(intermediair=org, fout=True, relatie_naam="Fout")
    KetenmachtigingFactory(
        intermediair=org, relatie_naam="Vervallen", uitnodiging_geldig_tot=today - timedelta(days=1)
    )
    KetenmachtigingFactory(intermediair=org, verlopen=True, relatie_naam="Verlopen")
    KetenmachtigingFactory(
        intermediair=org,
        actief=True,
        relatie_naam="Net verlopen",
        startdatum=today - timedelta(days=400),
        einddatum=today - timedelta(days=1),
    )
    KetenmachtigingFactory(intermediair=org, beeindigd=True, relatie_naam="Beëindigd")
    # Another organisation's, in every tab that could show it.
    KetenmachtigingFactory(intermediair=world.other_organisatie, relatie_naam="Ander verstuurd")
    KetenmachtigingFactory(
        intermediair=world.other_organisatie, verlopen=True, relatie_naam="Ander verlopen"
    )
    return {
        "actief": {
            world.km.relatie_naam,
            world.other_afgegeven.relatie_naam,
            "Actief",
            "Bijna verlopen",
            "Eindigt later",
        },
        "wachtend": {"Verstuurd", "Ontvangen", "Incompleet", "Fout"},
        "verlopen": {"Verlopen", "Net verlopen"},
        "historie": {"Al beëindigd", "Vervallen", "Beëindigd"},
        "acties": {"Bijna verlopen"},
    }


# --- Contents of each tab ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("tab", ["actief", "wachtend", "verlopen", "historie", "acties"])
def test_each_tab_exports_exactly_its_rows(client_, tabs, tab, fmt):
    rows = table(export(client_, fmt, tab=tab), fmt)

    assert rows[0] == HEADER_EN
    names = relaties(rows)
    assert sorted(names) == sorted(tabs[tab]), "each row once, nothing of other tabs"
    assert names == sorted(names), "ordered by relatie within the organisation"
    assert {row[COL["Organisation"]] for row in rows[1:]} == {"Accountants Alpha B.V."}


@pytest.mark.parametrize("fmt", FORMATS)
def test_status_is_the_effective_status_as_people_see_it_today(client_, tabs, fmt):
    verlopen = {
        row[COL["Relation"]]: row for row in table(export(client_, fmt, tab="verlopen"), fmt)
    }
    wachtend = {
        row[COL["Relation"]]: row for row in table(export(client_, fmt, tab="wachtend"), fmt)
    }

    # Still "actief" in its row until the nightly job runs, but past its end date.
    assert verlopen["Net verlopen"][COL["Status"]] == "Expired"
    assert verlopen["Verlopen"][COL["Status"]] == "Expired"
    assert wachtend["Verstuurd"][COL["Status"]] == "Request sent"
    assert wachtend["Incompleet"][COL["Status"]] == "Incomplete"
    assert wachtend["Fout"][COL["Status"]] == "Error"


def test_default_tab_is_actief_and_default_format_csv(client_, tabs):
    response = client_.get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert sorted(relaties(read_csv(body_of(response)))) == sorted(tabs["actief"])


@pytest.mark.parametrize(
    "fmt,content_type",
    [
        ("csv", "text/csv; charset=utf-8"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_download_headers(world, client_, fmt, content_type):
    response = export(client_, fmt, tab="wachtend")
    today = timezone.localdate()
    kvk = world.organisatie.kvk_nummer

    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == (
        f'attachment; filename="ketenmachtigingen-wachtend-{kvk}-{today:%Y%m%d}.{fmt}"'
    )
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    body_of(response)


def test_xlsx_has_one_sheet_named_ketenmachtigingen(client_, tabs):
    workbook = load_workbook(io.BytesIO(body_of(export(client_, "xlsx", tab="actief"))))

    assert workbook.sheetnames == ["Ketenmachtigingen"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_row_holds_scope_services_users_groups_and_dates(world, client_, fmt):
    today = timezone.localdate()
    org = world.organisatie
    uwv = DienstverlenerFactory(naam_nl="UWV", naam_en="UWV")
    bd = DienstverlenerFactory(naam_nl="Belastingdienst", naam_en="Tax Administration")
    loon = DienstFactory(dienstverlener=bd, naam_nl="Loonaangifte", naam_en="Payroll tax return")
    km = KetenmachtigingFactory(
        intermediair=org,
        actief=True,
        algemene_bevoegdheid=False,
        relatie_naam="Bakkerij Jansen",
        relatie_kvk_nummer="01234567",
        relatie_rsin="123456789",
        referentie="Klant 42",
        startdatum=date(2024, 3, 1),
        einddatum=date(2029, 3, 1),
        einde_gepland_op=today + timedelta(days=30),
        verstuurd_op=timezone.make_aware(datetime(2024, 2, 1, 23, 30)),
    )
    scope_save(km, Scope.of(dienstverleners=[uwv.pk], diensten=[loon.pk]))
    piet = LidmaatschapFactory(organisatie=org, user__voorletters="P.", user__last_name="Smit")
    km.gebruikers.add(piet)
    km.groepen.add(world.groep, GroepFactory(organisatie=org, naam="Aangiften"))
    pending = KetenmachtigingFactory(intermediair=org, relatie_naam="Garage Visser")

    rows = {row[COL["Relation"]]: row for row in table(export(client_, fmt, tab="actief"), fmt)}
    row = rows["Bakkerij Jansen"]

    def day(value) -> str:
        return value.isoformat() if fmt == "csv" else datetime(value.year, value.month, value.day)

    assert row[COL["Organisation"]] == "Accountants Alpha B.V."
    assert row[COL["KvK number"]] == "01234567", "text: the leading zero stays"
    assert row[COL["RSIN"]] == "123456789"
    assert row[COL["Your reference"]] == "Klant 42"
    assert row[COL["Reference code"]] == km.kenmerk
    assert row[COL["Status"]] == "Active"
    assert row[COL["Authorisations"]] == (
        "All services of UWV; 1 service: Payroll tax return (Tax Administration)"
    )
    assert row[COL["Services"]] == "Payroll tax return (Tax Administration)"
    assert row[COL["Service providers"]] == "UWV"
    assert row[COL["Users"]] == "P. Smit"
    assert row[COL["Groups"]] == "Aangiften; Loonadministratie"
    assert row[COL["Start date"]] == day(date(2024, 3, 1))
    assert row[COL["End date"]] == day(date(2029, 3, 1))
    assert row[COL["Ends on"]] == day(today + timedelta(days=30))
    assert row[COL["Invitation sent"]] == day(date(2024, 2, 1)), "the local date"
    assert row[COL["Valid until"]] == "", "only a pending request has a deadline"

    waiting = {
        row[COL["Relation"]]: row for row in table(export(client_, fmt, tab="wachtend"), fmt)
    }["Garage Visser"]
    assert waiting[COL["Valid until"]] == day(pending.uitnodiging_geldig_tot)
    assert waiting[COL["Start date"]] == ""
    assert waiting[COL["Authorisations"]] == "General authority: all services"
    assert waiting[COL["Users"]] == waiting[COL["Groups"]] == ""
    # The world's ketenmachtiging has a user and a group linked.
    assert rows[world.km.relatie_naam][COL["Users"]] == str(world.gebruiker.user)
    assert rows[world.km.relatie_naam][COL["Groups"]] == "Loonadministratie"


def test_labels_stay_in_the_language_of_the_request_while_streaming(world, client_, tabs):
    response = export(client_, "csv", tab="verlopen")

    # The rows are produced while the file is sent; by then another language may be active.
    with translation.override("nl"):
        rows = read_csv(body_of(response))

    assert rows[0] == HEADER_EN
    assert {row[COL["Status"]] for row in rows[1:]} == {"Expired"}


def test_dutch_user_gets_dutch_labels(world, tabs):
    user = world.beheerder.user
    user.taal = "nl"
    user.save(update_fields=["taal"])

    rows = read_csv(body_of(export(verified_client(user), "csv", tab="actief")))

    assert rows[0][COL["Users"]] == "Gebruikers"
    assert {row[COL["Status"]] for row in rows[1:]} == {"Actief"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_search_narrows_the_export_like_the_overview(world, client_, fmt):
    org = world.organisatie
    KetenmachtigingFactory(intermediair=org, actief=True, relatie_naam="Bakkerij Jansen")
    KetenmachtigingFactory(intermediair=org, actief=True, relatie_naam="Garage Jansen")
    KetenmachtigingFactory(intermediair=org, actief=True, relatie_naam="Garage Visser")
    KetenmachtigingFactory(
        intermediair=world.other_organisatie, actief=True, relatie_naam="Tandarts Jansen"
    )

    rows = table(export(client_, fmt, tab="actief", q="  jansen "), fmt)

    assert relaties(rows) == ["Bakkerij Jansen", "Garage Jansen"]


# --- Formulas and control characters (security row 17) --------------------------------------


@pytest.mark.parametrize("payload", FORMULA_PAYLOADS)
@pytest.mark.parametrize("field", ["relatie_naam", "referentie"])
def test_formulas_are_inert_text_in_csv_and_xlsx(world, client_, payload, field):
    KetenmachtigingFactory(intermediair=world.organisatie, actief=True, **{field: payload})
    column = COL["Relation"] if field == "relatie_naam" else COL["Your reference"]

    csv_values = [row[column] for row in read_csv(body_of(export(client_, "csv")))[1:]]
    sheet = read_xlsx(body_of(export(client_, "xlsx")))
    xlsx_cells = [row[column] for row in sheet.iter_rows(min_row=2)]

    expected = "'" + payload.replace("\t", "")
    assert expected in csv_values
    assert expected in [cell.value for cell in xlsx_cells]
    for value in csv_values:
        assert not value.lstrip().startswith(FORMULA_STARTS), value
    for cell in xlsx_cells:
        assert cell.data_type != "f", cell.value
        assert not str(cell.value or "").lstrip().startswith(FORMULA_STARTS), cell.value


def test_organisation_names_are_neutralised_too(world, client_):
    world.organisatie.naam = "=1+1 B.V."
    world.organisatie.save(update_fields=["naam"])

    rows = read_csv(body_of(export(client_, "csv")))

    assert {row[COL["Organisation"]] for row in rows[1:]} == {"'=1+1 B.V."}


@pytest.mark.parametrize("fmt", FORMATS)
def test_control_characters_are_removed(world, client_, fmt):
    KetenmachtigingFactory(
        intermediair=world.organisatie,
        actief=True,
        relatie_naam="Be\x07l\x1bla B.V.",
        referentie="ref\x0b1\x7f",
    )

    rows = table(export(client_, fmt), fmt)

    assert "Bella B.V." in relaties(rows)
    assert "ref1" in [row[COL["Your reference"]] for row in rows[1:]]


# --- Which organisations --------------------------------------------------------------------


@pytest.fixture
def multi(world):
    """The beheerder is beheerder of a second organisation, gebruiker of a third; a fourth is
    not theirs at all. Each has one active ketenmachtiging of its own."""
    user = world.beheerder.user
    LidmaatschapFactory(user=user, organisatie=world.other_organisatie, rol=Rol.BEHEERDER)
    only_user = OrganisatieFactory(naam="Adviesbureau Gamma B.V.")
    LidmaatschapFactory(user=user, organisatie=only_user, rol=Rol.GEBRUIKER)
    KetenmachtigingFactory(intermediair=only_user, actief=True, relatie_naam="Gamma relatie")
    stranger = OrganisatieFactory(naam="Administratiekantoor Delta B.V.")
    KetenmachtigingFactory(intermediair=stranger, actief=True, relatie_naam="Delta relatie")
    return user


@pytest.mark.parametrize("fmt", FORMATS)
def test_all_my_organisations_holds_every_organisation_where_i_am_beheerder(
    world, client_, multi, fmt
):
    response = export(client_, fmt, tab="actief", alle_organisaties="1")
    rows = table(response, fmt)

    own = {world.km.relatie_naam, world.other_afgegeven.relatie_naam}
    other = {world.other_km.relatie_naam, world.afgegeven.relatie_naam}
    assert sorted(relaties(rows)) == sorted(own | other)
    assert "Gamma relatie" not in relaties(rows) and "Delta relatie" not in relaties(rows)
    organisations = [row[COL["Organisation"]] for row in rows[1:]]
    assert organisations == ["Accountants Alpha B.V."] * 2 + ["Loonbureau Beta B.V."] * 2
    assert "alle-organisaties" in response["Content-Disposition"]


def test_without_the_checkbox_only_the_active_organisation(world, client_, multi):
    response = export(client_, "csv", tab="actief")
    rows = read_csv(body_of(response))

    assert sorted(relaties(rows)) == sorted(
        [world.km.relatie_naam, world.other_afgegeven.relatie_naam]
    )
    assert world.organisatie.kvk_nummer in response["Content-Disposition"]


def test_all_organisations_for_a_beheerder_of_one_is_just_that_one(world, client_):
    response = export(client_, "csv", tab="actief", alle_organisaties="1")

    assert {row[COL["Organisation"]] for row in read_csv(body_of(response))[1:]} == {
        "Accountants Alpha B.V."
    }
    assert world.organisatie.kvk_nummer in response["Content-Disposition"]


def test_another_organisations_beheerder_sees_nothing_of_mine(world):
    client = english_client(world.other_beheerder.user)

    names = relaties(read_csv(body_of(export(client, "csv", alle_organisaties="1"))))

    assert world.km.relatie_naam not in names
    assert sorted(names) == sorted([world.other_km.relatie_naam, world.afgegeven.relatie_naam])


# --- Access and parameters ------------------------------------------------------------------


def test_a_gebruiker_may_not_export(world):
    response = verified_client(world.gebruiker.user).get(EXPORT, {"tab": "actief"})

    assert response.status_code == 403


def test_a_beheerder_below_eh3_may_not_export(world):
    user = UserFactory(eh2plus=True, with_totp_device=True)
    LidmaatschapFactory(user=user, organisatie=world.organisatie, rol=Rol.BEHEERDER)

    response = verified_client(user).get(EXPORT, {"tab": "actief"})

    assert response.status_code == 403


@pytest.mark.parametrize("tab", ["alles", "ACTIEF", "../actief", "afgegeven"])
def test_an_unknown_tab_is_not_found(client_, tab):
    assert client_.get(EXPORT, {"tab": tab}).status_code == 404


@pytest.mark.parametrize("fmt", ["xls", "pdf", "CSV"])
def test_an_unknown_format_is_a_bad_request(client_, fmt):
    response = client_.get(EXPORT, {"tab": "actief", "format": fmt})

    assert response.status_code == 400
    assert "Content-Disposition" not in response


def test_post_is_not_allowed(client_):
    assert client_.post(EXPORT, {"tab": "actief"}).status_code == 405


def _linked_ketenmachtigingen(world, count: int) -> None:
    """Ketenmachtigingen with every relation the export reads: services, service providers,
    users and groups."""
    org = world.organisatie
    for _ in range(count):
        km = KetenmachtigingFactory(intermediair=org, actief=True, algemene_bevoegdheid=False)
        dienst = DienstFactory()
        scope_save(km, Scope.of(dienstverleners=[DienstverlenerFactory().pk], diensten=[dienst.pk]))
        km.gebruikers.add(LidmaatschapFactory(organisatie=org))
        km.groepen.add(GroepFactory(organisatie=org))


@pytest.mark.parametrize("fmt", FORMATS)
def test_queries_do_not_grow_with_the_rows(world, client_, fmt, django_assert_max_num_queries):
    _linked_ketenmachtigingen(world, 5)
    with CaptureQueriesContext(connection) as few:
        rows = table(export(client_, fmt, tab="actief"), fmt)
    assert len(rows) == 1 + 5 + 2

    _linked_ketenmachtigingen(world, 35)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client_.get(EXPORT, {"tab": "actief", "format": fmt})
        content = b"".join(response.streaming_content)
    rows = read_csv(content) if fmt == "csv" else list(read_xlsx(content).iter_rows())
    assert len(rows) == 1 + 40 + 2


# --- The "wolkje" ---------------------------------------------------------------------------


def wolkje(content: str) -> bool:
    return 'class="kp-menu kp-export"' in content and f'action="{EXPORT}"' in content


@pytest.mark.parametrize("tab", ["actief", "wachtend", "verlopen", "historie"])
def test_the_wolkje_is_on_the_tabs_that_can_be_exported(client_, tab):
    content = client_.get(OVERVIEW, {"tab": tab, "q": "jansen"}).content.decode()

    assert wolkje(content)
    assert f'<input type="hidden" name="tab" value="{tab}">' in content
    assert '<input type="hidden" name="q" value="jansen">' in content
    assert 'name="format" value="xlsx" checked' in content
    assert 'name="format" value="csv"' in content
    assert "Download" in content


def test_wolkje_on_acties_too(client_):
    content = client_.get(OVERVIEW, {"tab": "acties"}).content.decode()

    assert wolkje(content)
    assert '<input type="hidden" name="tab" value="acties">' in content


def test_the_all_organisations_checkbox_only_for_a_beheerder_of_several(world, client_):
    assert 'name="alle_organisaties"' not in client_.get(OVERVIEW).content.decode()

    # Gebruiker elsewhere does not count.
    LidmaatschapFactory(
        user=world.beheerder.user, organisatie=world.other_organisatie, rol=Rol.GEBRUIKER
    )
    assert 'name="alle_organisaties"' not in client_.get(OVERVIEW).content.decode()

    third = OrganisatieFactory(naam="Adviesbureau Gamma B.V.")
    LidmaatschapFactory(user=world.beheerder.user, organisatie=third, rol=Rol.BEHEERDER)
    content = client_.get(OVERVIEW).content.decode()
    assert 'name="alle_organisaties" value="1"' in content
    assert "of all my organisations" in content


def _render_wolkje(**context) -> str:
    with translation.override("en"):
        return render_to_string("includes/km_export.html", {"request": None, "q": "", **context})


def test_wolkje_component_counts_beheerder_memberships_wherever_they_are_listed(world):
    # Memberships come ordered by organisation name, so beheerder ones need not be adjacent.
    user = world.beheerder.user
    a = LidmaatschapFactory(user=user, organisatie=OrganisatieFactory(naam="A"), rol=Rol.BEHEERDER)
    b = LidmaatschapFactory(user=user, organisatie=OrganisatieFactory(naam="B"), rol=Rol.GEBRUIKER)
    c = LidmaatschapFactory(user=user, organisatie=OrganisatieFactory(naam="C"), rol=Rol.BEHEERDER)

    assert "alle_organisaties" in _render_wolkje(tab="actief", lidmaatschappen=[a, b, c])
    assert "alle_organisaties" not in _render_wolkje(tab="actief", lidmaatschappen=[a, b])
    assert "alle_organisaties" not in _render_wolkje(tab="actief", lidmaatschappen=[])
    assert "alle_organisaties" in _render_wolkje(tab="acties", lidmaatschappen=[a, b, c])


def test_wolkje_escapes_the_search(world):
    content = _render_wolkje(
        tab="actief", params=[("q", '"><script>x</script>')], lidmaatschappen=[]
    )

    assert "<script>" not in content
    assert 'value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"' in content


def test_wolkje_has_no_inline_style_or_script(world):
    content = _render_wolkje(tab="actief", lidmaatschappen=[world.beheerder])

    assert "style=" not in content and "<script" not in content and "onclick" not in content
