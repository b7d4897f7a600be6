"""Spreadsheet exports: formulas stay inert text, control characters go, large exports stream.

Security row 17: names like ``=HYPERLINK(…)``, ``@SUM(A1)``, ``+1`` and ``\\t=1`` exported to CSV
and XLSX are inert text on read-back.
"""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from ketenportal.utils.exports import csv_response, neutralise, safe_filename, xlsx_response

FORMULA_PAYLOADS = [
    '=HYPERLINK("http://evil.nl","x")',
    "@SUM(A1)",
    "+1",
    "-1+2",
    "\t=1",
    "\r=1",
    " =1",
    "\n=1",
    "=1+1\n",
]
CONTROL_PAYLOAD = "be\x00l\x07la\x1b!"
ACCENTS = "Café Hélène, Zoë Müller"
HEADER = ["Naam", "Waarde"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _rows() -> list[tuple]:
    rows = [(payload, "formula") for payload in FORMULA_PAYLOADS]
    rows += [
        (CONTROL_PAYLOAD, "control"),
        (ACCENTS, "accents"),
        (None, "none"),
        (42, "int"),
        (date(2024, 5, 1), "date"),
    ]
    return rows


def _csv_cells(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf"), "a BOM makes Excel read UTF-8"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


def _xlsx_sheet(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def _assert_inert(text: str) -> None:
    assert not text.lstrip().startswith(FORMULA_STARTS), repr(text)
    assert not any(ord(char) < 32 and char != "\n" for char in text), repr(text)


@pytest.mark.parametrize("payload", FORMULA_PAYLOADS)
def test_neutralise_prefixes_an_apostrophe_to_formula_starts(payload):
    assert neutralise(payload) == "'" + payload.replace("\t", "").replace("\r", "")


def test_neutralise_keeps_the_text_of_a_formula_visible():
    assert neutralise('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert neutralise(" =1") == "' =1"
    assert neutralise("\t=1") == "'=1"


def test_neutralise_removes_control_characters_but_keeps_newlines():
    assert neutralise(CONTROL_PAYLOAD) == "bella!"
    assert neutralise("regel 1\nregel 2") == "regel 1\nregel 2"
    assert neutralise("a\x7fb") == "ab"


@pytest.mark.parametrize(
    "value", [42, -3, 1.5, date(2024, 5, 1), datetime(2024, 5, 1, 12, 0, tzinfo=UTC)]
)
def test_neutralise_lets_numbers_and_dates_through(value):
    assert neutralise(value) == value


def test_neutralise_makes_none_empty_and_leaves_plain_text():
    assert neutralise(None) == ""
    assert neutralise(ACCENTS) == ACCENTS
    assert neutralise("Jansen-de Vries") == "Jansen-de Vries"


@pytest.mark.parametrize(
    ("name", "extension", "expected"),
    [
        ("../../etc/passwd", "csv", "etc-passwd.csv"),
        ('rapport "x".csv', "csv", "rapport-x.csv"),
        ("", "csv", "export.csv"),
        ("...", "xlsx", "export.xlsx"),
        ("Café Zoë", "xlsx", "Cafe-Zoe.xlsx"),
        ("C:\\Windows\\win.ini", ".CSV", "C-Windows-win.ini.csv"),
        (
            "overige-wijzigingen-12345678-20240501",
            "csv",
            "overige-wijzigingen-12345678-20240501.csv",
        ),
    ],
)
def test_safe_filename(name, extension, expected):
    assert safe_filename(name, extension) == expected


def test_safe_filename_is_short_and_plain():
    result = safe_filename("x" * 500 + "/\r\n;", "xlsx")
    assert len(result) <= 100
    assert result.endswith(".xlsx")
    assert set(result) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def test_csv_read_back_is_inert_with_accents_intact():
    response = csv_response(_rows(), header=HEADER, filename="rapport")
    cells = _csv_cells(response)
    assert cells[0] == HEADER
    data = {kind: value for value, kind in cells[1:]}
    for row in cells[1:]:
        for value in row:
            _assert_inert(value)
    assert data["control"] == "bella!"
    assert data["accents"] == ACCENTS
    assert data["none"] == ""
    assert data["int"] == "42"
    assert data["date"] == "2024-05-01"
    assert [value for value, kind in cells[1:] if kind == "formula"][0] == (
        '\'=HYPERLINK("http://evil.nl","x")'
    )


def test_xlsx_read_back_has_no_formula_cells():
    response = xlsx_response(_rows(), header=HEADER, filename="rapport", sheet_title="Rapport")
    sheet = _xlsx_sheet(response)
    assert sheet.title == "Rapport"
    rows = list(sheet.iter_rows())
    assert [cell.value for cell in rows[0]] == HEADER
    assert all(cell.font.b for cell in rows[0])
    data = {}
    for value_cell, kind_cell in rows[1:]:
        assert value_cell.data_type != "f"
        if isinstance(value_cell.value, str):
            _assert_inert(value_cell.value)
        data[kind_cell.value] = value_cell.value
    assert data["control"] == "bella!"
    assert data["accents"] == ACCENTS
    assert data["none"] in ("", None)
    assert data["int"] == 42
    assert data["date"] == datetime(2024, 5, 1)


def test_xlsx_writes_text_cells_even_if_neutralise_were_bypassed(monkeypatch):
    """The string data type is a second line of defence: no formula even without the prefix."""
    monkeypatch.setattr("ketenportal.utils.exports.neutralise", lambda value: value)
    response = xlsx_response([("=1+1",)], header=["x"], filename="x")
    cell = _xlsx_sheet(response)["A2"]
    assert cell.data_type == "s"
    assert cell.value == "=1+1"


def test_xlsx_writes_aware_datetimes_in_local_time():
    moment = datetime(2024, 1, 15, 11, 30, tzinfo=UTC)
    response = xlsx_response([(moment,)], header=["Tijdstip"], filename="x")
    assert _xlsx_sheet(response)["A2"].value == datetime(2024, 1, 15, 12, 30)


@pytest.mark.parametrize(
    ("factory", "content_type", "extension"),
    [
        (csv_response, "text/csv; charset=utf-8", "csv"),
        (
            xlsx_response,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    ],
)
def test_download_headers(factory, content_type, extension):
    response = factory([("a", 1)], header=HEADER, filename='../rapport "x"')
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="rapport-x.{extension}"'
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.streaming


def test_csv_streams_lazily():
    produced = 0
    total = 20_000

    def rows():
        nonlocal produced
        for number in range(total):
            produced += 1
            yield (number, f"Organisatie {number}", "=evil()")

    response = csv_response(rows(), header=["Nr", "Naam", "Formule"], filename="groot")
    assert produced == 0, "nothing is read before the response is sent"

    chunks = iter(response.streaming_content)
    head = next(chunks) + next(chunks)  # the header, then the first batch of rows
    assert 0 < produced < total

    body = head + b"".join(chunks)
    assert produced == total
    assert body.count(b"\r\n") == total + 1


def test_csv_of_20000_rows_is_complete():
    rows = ((number, f"Organisatie {number}", "=evil()") for number in range(20_000))
    cells = _csv_cells(csv_response(rows, header=["Nr", "Naam", "Formule"], filename="groot"))
    assert len(cells) == 20_001
    assert cells[-1] == ["19999", "Organisatie 19999", "'=evil()"]


def test_xlsx_of_20000_rows_is_complete():
    rows = ((number, f"Organisatie {number}", "=evil()") for number in range(20_000))
    response = xlsx_response(rows, header=["Nr", "Naam", "Formule"], filename="groot")
    body = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    last = None
    count = 0
    for row in sheet.iter_rows(values_only=True):
        count += 1
        last = row
    assert count == 20_001
    assert last == (19999, "Organisatie 19999", "'=evil()")
