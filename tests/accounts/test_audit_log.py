"""Overige wijzigingen: the audit log of one organisation, its filters and its exports."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models.query import QuerySet
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.constants import AuditAction, AuditKind
from accounts.models import AuditEntry
from tests.conftest import verified_client

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
LIST_URL = "/overige-wijzigingen/"
EXPORT_URL = "/overige-wijzigingen/export/"


def _entry(organisatie, object_repr: str, **kwargs) -> AuditEntry:
    fields = {
        "actor_repr": "A.B. Beheerder",
        "action": AuditAction.UPDATE,
        "kind": AuditKind.GEBRUIKER,
        "object_type": "accounts.user",
        "object_id": "1",
        "changes": {},
    }
    fields.update(kwargs)
    return AuditEntry.objects.create(organisatie=organisatie, object_repr=object_repr, **fields)


def _local(*args) -> datetime:
    return datetime(*args, tzinfo=AMSTERDAM)


@pytest.fixture
def client(world):
    return verified_client(world.beheerder.user)


@pytest.fixture
def english_client(world):
    world.beheerder.user.taal = "en"
    world.beheerder.user.save(update_fields=["taal"])
    return verified_client(world.beheerder.user)


def _html(client, **params) -> str:
    response = client.get(LIST_URL, params)
    assert response.status_code == 200
    return response.content.decode()


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body, newline=""), delimiter=";"))


def _xlsx_rows(response) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return list(sheet.iter_rows())


def test_urls():
    assert reverse("accounts:overige_wijzigingen") == LIST_URL
    assert reverse("accounts:overige_wijzigingen_export") == EXPORT_URL


def test_beheerder_sees_own_rows_and_not_another_organisations(world, client):
    _entry(world.organisatie, "Eigen wijziging")
    _entry(world.other_organisatie, "Vreemde wijziging")
    _entry(None, "Platformwijziging")
    html = _html(client)
    assert "Eigen wijziging" in html
    assert "Vreemde wijziging" not in html
    assert "Platformwijziging" not in html


def test_other_beheerder_sees_only_theirs(world):
    _entry(world.organisatie, "Eigen wijziging")
    _entry(world.other_organisatie, "Vreemde wijziging")
    html = _html(verified_client(world.other_beheerder.user))
    assert "Vreemde wijziging" in html
    assert "Eigen wijziging" not in html


@pytest.mark.parametrize("url", [LIST_URL, EXPORT_URL, EXPORT_URL + "?format=xlsx"])
def test_gebruiker_is_refused(world, url):
    _entry(world.organisatie, "Eigen wijziging")
    response = verified_client(world.gebruiker.user).get(url)
    assert response.status_code == 403
    assert b"Eigen wijziging" not in response.content


def test_columns(world, english_client):
    _entry(
        world.organisatie,
        "Groep Loonadministratie",
        actor_repr="J. Jansen",
        kind=AuditKind.GROEP,
        action=AuditAction.CREATE,
        object_type="groepen.groep",
        timestamp=_local(2024, 3, 1, 9, 5),
    )
    html = _html(english_client)
    assert "01-03-2024 09:05" in html
    assert "J. Jansen" in html
    assert "Groups" in html  # the kind's label
    assert "Group created" in html  # what happened, as a sentence
    assert "Groep Loonadministratie" in html


def test_filter_by_kind(world, client):
    _entry(world.organisatie, "Wijziging aan gebruiker", kind=AuditKind.GEBRUIKER)
    _entry(world.organisatie, "Wijziging aan groep", kind=AuditKind.GROEP)
    html = _html(client, kind=AuditKind.GROEP)
    assert "Wijziging aan groep" in html
    assert "Wijziging aan gebruiker" not in html
    # An unknown kind is an error on the form, not a filter and not a crash.
    html = _html(client, kind="bestaat-niet")
    assert "Wijziging aan groep" in html and "Wijziging aan gebruiker" in html
    assert 'id="id_kind_error"' in html


def test_filter_by_local_dates_inclusive(world, client):
    # Amsterdam days: 00:30 on 1 March is still 29 February in UTC, 23:30 on 5 March is 5 March.
    _entry(world.organisatie, "Te vroeg", timestamp=_local(2024, 2, 29, 23, 50))
    _entry(world.organisatie, "Eerste dag", timestamp=_local(2024, 3, 1, 0, 30))
    _entry(world.organisatie, "Laatste dag", timestamp=_local(2024, 3, 5, 23, 30))
    _entry(world.organisatie, "Te laat", timestamp=_local(2024, 3, 6, 0, 10))
    html = _html(client, date_from="2024-03-01", date_to="2024-03-05")
    assert "Eerste dag" in html and "Laatste dag" in html
    assert "Te vroeg" not in html and "Te laat" not in html

    html = _html(client, date_from="2024-03-06")
    assert "Te laat" in html and "Laatste dag" not in html

    # Dutch notation, as someone without a date picker types it.
    html = _html(client, date_to="29-02-2024")
    assert "Te vroeg" in html and "Eerste dag" not in html


def test_invalid_date_shows_an_error_and_does_not_filter_by_date(world, client):
    _entry(world.organisatie, "Maart", timestamp=_local(2024, 3, 1, 12))
    _entry(world.organisatie, "April", timestamp=_local(2024, 4, 1, 12))
    for params in (
        {"date_from": "2024-13-45"},
        {"date_from": "0001-01-01"},
        {"date_to": "9999-12-31"},
    ):
        html = _html(client, **params)
        assert "utrecht-form-field--invalid" in html
        assert "Maart" in html and "April" in html


def test_invalid_date_keeps_the_other_filters(world, client):
    _entry(world.organisatie, "Wijziging aan groep", kind=AuditKind.GROEP)
    _entry(world.organisatie, "Wijziging aan gebruiker", kind=AuditKind.GEBRUIKER)
    html = _html(client, kind=AuditKind.GROEP, date_to="morgen")
    assert 'id="id_date_to_error"' in html
    assert "Wijziging aan groep" in html and "Wijziging aan gebruiker" not in html


def test_date_from_after_date_to_is_a_clear_error(world, english_client):
    _entry(world.organisatie, "Maart", timestamp=_local(2024, 3, 1, 12))
    _entry(world.organisatie, "April", timestamp=_local(2024, 4, 1, 12))
    html = _html(english_client, date_from="2024-04-01", date_to="2024-03-01")
    assert "The end date must be on or after the start date." in html
    assert "Maart" in html and "April" in html


def test_search_in_object_and_actor(world, client):
    _entry(world.organisatie, "Groep Loonadministratie", actor_repr="P. Pietersen")
    _entry(world.organisatie, "Gebruiker K. Klaassen", actor_repr="J. Jansen")
    html = _html(client, search="loonadmin")
    assert "Groep Loonadministratie" in html and "K. Klaassen" not in html
    html = _html(client, search="JANSEN")
    assert "K. Klaassen" in html and "Loonadministratie" not in html
    html = _html(client, search="klaassen jansen")
    assert "K. Klaassen" in html and "Loonadministratie" not in html


def test_changes_are_rendered_readably_and_escaped(world, client):
    _entry(
        world.organisatie,
        "<script>alert(1)</script>",
        actor_repr="<b>Mallory</b>",
        changes={
            "groepen": {"old": None, "new": ["Fiscaal", "Loonadministratie"]},
            "rol": {"old": "gebruiker", "new": "beheerder"},
            "telefoon": {"old": "<i>0612345678</i>", "new": None},
            "aantal": {"old": 1, "new": 2},
        },
        message="Via <u>import</u>",
    )
    html = _html(client)
    assert '<span class="kp-changes__field">Groepen</span>: – ' in html
    assert "Fiscaal, Loonadministratie</li>" in html
    assert '<span class="kp-changes__field">Rol</span>: Gebruiker ' in html
    assert "Beheerder</li>" in html
    assert "&lt;i&gt;0612345678&lt;/i&gt; " in html
    # A key nobody knows is still shown, as a word rather than an identifier.
    assert '<span class="kp-changes__field">Aantal</span>: 1 ' in html
    assert "→" in html
    for raw in ("<script>alert(1)</script>", "<b>Mallory</b>", "<i>0612", "<u>import</u>"):
        assert raw not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Via &lt;u&gt;import&lt;/u&gt;" in html


def test_odd_changes_shapes_do_not_break_the_page(world, client):
    _entry(world.organisatie, "Oude vorm", changes={"status": "actief"})
    _entry(world.organisatie, "Lijst", changes=["a", "b"])
    html = _html(client)
    assert '<span class="kp-changes__field">Status</span>: – ' in html
    assert "actief</li>" in html  # a user, not a ketenmachtiging: no status choices
    assert "a, b</li>" in html


def test_pagination_50_per_page_keeps_filters(world, client):
    for number in range(55):
        _entry(world.organisatie, f"Groepwijziging {number:02d}", kind=AuditKind.GROEP)
    _entry(world.organisatie, "Andere soort", kind=AuditKind.GEBRUIKER)
    html = _html(client, kind=AuditKind.GROEP)
    assert html.count("Groepwijziging ") == 50
    assert "kind=groep&amp;page=2" in html
    html = _html(client, kind=AuditKind.GROEP, page=2)
    assert html.count("Groepwijziging ") == 5
    assert "Andere soort" not in html


def test_export_links_carry_the_filter_but_not_the_page(world, client):
    html = _html(client, kind=AuditKind.GROEP, search="loon", date_from="2024-01-01", page=1)
    assert (
        f"{EXPORT_URL}?kind=groep&amp;date_from=2024-01-01&amp;search=loon&amp;format=csv" in html
    )
    assert (
        f"{EXPORT_URL}?kind=groep&amp;date_from=2024-01-01&amp;search=loon&amp;format=xlsx" in html
    )


def test_list_query_count_is_constant(world, client, django_assert_max_num_queries):
    for number in range(10):
        _entry(world.organisatie, f"Wijziging {number}", changes={"rol": {"old": "a", "new": "b"}})
    client.get(LIST_URL)  # warm up the session
    with CaptureQueriesContext(connection) as ten:
        assert client.get(LIST_URL).status_code == 200
    for number in range(50):
        _entry(world.organisatie, f"Meer {number}", changes={"rol": {"old": "a", "new": "b"}})
    with django_assert_max_num_queries(len(ten.captured_queries)):
        html = _html(client)
    assert html.count("<tr>") == 51  # the header row and a full page


def test_export_csv_has_own_rows_only_neutralised(world, english_client):
    _entry(
        world.organisatie,
        '=HYPERLINK("x")',
        actor_repr="J. Jansen",
        kind=AuditKind.GROEP,
        action=AuditAction.CREATE,
        object_type="groepen.groep",
        timestamp=_local(2024, 3, 1, 9, 5),
        changes={
            "leden": {"old": None, "new": ["A", "B"]},
            "naam": {"old": "x", "new": "@SUM(A1)"},
        },
    )
    _entry(world.other_organisatie, "Vreemde wijziging")
    response = english_client.get(EXPORT_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().strftime("%Y%m%d")
    assert response["Content-Disposition"] == (
        f'attachment; filename="overige-wijzigingen-{world.organisatie.kvk_nummer}-{today}.csv"'
    )
    assert "no-store" in response["Cache-Control"]
    rows = _csv(response)
    assert rows[0] == ["Time", "Who", "Kind", "What happened", "Object", "Changes"]
    assert rows[1:] == [
        [
            "2024-03-01 09:05:00",
            "J. Jansen",
            "Groups",
            "Group created",
            '\'=HYPERLINK("x")',
            "Members: – → A, B; Name: x → @SUM(A1)",
        ]
    ]


def test_export_xlsx_has_own_rows_only_neutralised(world, client):
    _entry(world.organisatie, '=HYPERLINK("x")', timestamp=_local(2024, 3, 1, 9, 5))
    _entry(world.other_organisatie, "Vreemde wijziging")
    response = client.get(EXPORT_URL, {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="overige-wijzigingen-{world.organisatie.kvk_nummer}-'
    )
    assert response["Content-Disposition"].endswith('.xlsx"')
    assert "no-store" in response["Cache-Control"]
    rows = _xlsx_rows(response)
    assert len(rows) == 2
    data = rows[1]
    assert data[0].value == datetime(2024, 3, 1, 9, 5)
    assert data[4].value == '\'=HYPERLINK("x")'
    assert all(cell.data_type != "f" for row in rows for cell in row)


def test_export_applies_the_filter(world, client):
    _entry(world.organisatie, "Wijziging aan groep", kind=AuditKind.GROEP)
    _entry(world.organisatie, "Wijziging aan gebruiker", kind=AuditKind.GEBRUIKER)
    rows = _csv(client.get(EXPORT_URL, {"kind": AuditKind.GROEP, "date_from": "kapot"}))
    assert [row[4] for row in rows[1:]] == ["Wijziging aan groep"]


def test_export_reads_rows_in_chunks(world, client, monkeypatch):
    _entry(world.organisatie, "Wijziging")
    chunk_sizes = []
    original = QuerySet.iterator

    def spy(self, chunk_size=None):
        chunk_sizes.append(chunk_size)
        return original(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    for fmt in ("csv", "xlsx"):
        b"".join(client.get(EXPORT_URL, {"format": fmt}).streaming_content)
    assert chunk_sizes == [2000, 2000]


def test_unknown_export_format_falls_back_to_csv(world, client):
    response = client.get(EXPORT_URL, {"format": "exe"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
