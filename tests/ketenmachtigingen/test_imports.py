"""The spreadsheet import of "Meerdere bedrijven": messy files are read, hostile ones refused.

Every workbook is made here with openpyxl (or zipfile, for the broken ones), so no fixture files
live in the repository.
"""

import importlib.util
import io
import os
import zipfile
from collections.abc import Callable

import openpyxl
import openpyxl.xml
import pytest
from django.utils.translation import override

from ketenmachtigingen import imports
from ketenmachtigingen.imports import (
    ImportFileError,
    ImportRow,
    ReadResult,
    build_template,
    read_import_file,
)
from ketenportal.exceptions import DomainError

HEADER = [
    "KVK-nummer",
    "Voorletter(s)",
    "Tussenvoegsel (optioneel)",
    "Achternaam",
    "E-mailadres",
    "Telefoonnummer",
    "Referentie (optioneel)",
]


@pytest.fixture(autouse=True)
def _english():
    # The msgids are English and not translated yet; pin the language the assertions read.
    with override("en"):
        yield


def row(
    kvk: object = "69599084",
    voorletters: object = "J.",
    tussenvoegsel: object = "",
    achternaam: object = "Jansen",
    email: object = "jan@example.nl",
    telefoon: object = "0612345678",
    referentie: object = "",
) -> list[object]:
    return [kvk, voorletters, tussenvoegsel, achternaam, email, telefoon, referentie]


def xlsx(*sheets: tuple[str, list[list[object]]]) -> bytes:
    """A workbook with the given sheets (title, rows); ``None`` leaves a cell empty."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for values in rows:
            sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def simple(*rows: list[object]) -> bytes:
    return xlsx(("Bedrijven", [HEADER, *rows]))


def read(data: bytes, filename: str = "klanten.xlsx") -> ReadResult:
    return read_import_file(io.BytesIO(data), filename=filename)


def refused(data: bytes, filename: str = "klanten.xlsx") -> ImportFileError:
    with pytest.raises(ImportFileError) as info:
        read(data, filename)
    return info.value


def rezip(
    data: bytes,
    *,
    replace: dict[str, Callable[[bytes], bytes]] | None = None,
    add: dict[str, bytes] | None = None,
) -> bytes:
    """Copy a ZIP, changing members (``replace``) or adding new ones (``add``)."""
    replace = replace or {}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename in replace:
                content = replace[info.filename](content)
            target.writestr(info.filename, content)
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def substitute(content: bytes, old: bytes, new: bytes) -> bytes:
    assert old in content, "the test no longer changes what it means to change"
    return content.replace(old, new)


# --- The template ------------------------------------------------------------------------------


def test_template_has_the_columns_of_the_manual_as_text_cells():
    workbook = openpyxl.load_workbook(io.BytesIO(build_template()))

    assert workbook.sheetnames == ["Bedrijven", "Instructies"]
    sheet = workbook["Bedrijven"]
    assert [cell.value for cell in sheet[1]] == HEADER
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    for column in "ABCDEFG":
        assert sheet.column_dimensions[column].width >= 12
        # Text cells keep the leading zero of 01234567 and 0612345678.
        assert all(sheet[f"{column}{r}"].number_format == "@" for r in range(2, 1002))
    assert sheet.max_row == 1001
    assert all(cell.value is None for r in sheet.iter_rows(min_row=2) for cell in r)

    instructions = " ".join(
        str(cell.value) for r in workbook["Instructies"].iter_rows() for cell in r if cell.value
    )
    for text in ("8 cijfers", "8 digits", "06-12345678", "één uitnodiging", "One invitation"):
        assert text in instructions


def test_untouched_template_reads_as_empty_not_as_an_error():
    result = read(build_template())

    assert result == ReadResult(sheet="Bedrijven", rows=[], problems=[])


def test_filled_in_template_round_trips():
    workbook = openpyxl.load_workbook(io.BytesIO(build_template()))
    sheet = workbook["Bedrijven"]
    for r, values in enumerate(
        [
            [
                "01234567",
                "J.A.",
                "van der",
                "Berg",
                "J.vanderBerg@Example.NL",
                "06-12345678",
                "K-1",
            ],
            ["6959 9084", " P ", None, "  de  Vries ", "piet@example.nl", "020-1234567", None],
        ],
        start=2,
    ):
        for c, value in enumerate(values, start=1):
            sheet.cell(row=r, column=c, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = read(buffer.getvalue(), "Ketenmachtigingen-import.XLSX")

    assert result.problems == []
    assert result.rows == [
        ImportRow(
            2,
            "01234567",
            "J.A.",
            "van der",
            "Berg",
            "j.vanderberg@example.nl",
            "+31612345678",
            "K-1",
        ),
        ImportRow(3, "69599084", "P", "", "de Vries", "piet@example.nl", "+31201234567", ""),
    ]


# --- Messy but valid ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (69599084, "69599084"),
        (69599084.0, "69599084"),
        (6.9599084e7, "69599084"),
        ("6959 9084", "69599084"),
        ("69.59.90.84", "69599084"),
        ("'01234567", "01234567"),  # apostrophe pasted from a CSV
        ("  69599084  ", "69599084"),
    ],
)
def test_kvk_nummer_written_any_way(cell, expected):
    result = read(simple(row(kvk=cell)))

    assert result.problems == []
    assert result.rows[0].kvk_nummer == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("06-12345678", "+31612345678"),
        ("06 1234 5678", "+31612345678"),
        ("0612345678", "+31612345678"),
        ("+31 6 12345678", "+31612345678"),
        ("+31(0)6 12345678", "+31612345678"),
        ("0031 6 12345678", "+31612345678"),
        ("020-1234567", "+31201234567"),
        ("'0612345678", "+31612345678"),
        (612345678, "+31612345678"),  # a number cell dropped the 0
        (612345678.0, "+31612345678"),
        (201234567, "+31201234567"),
        (31612345678, "+31612345678"),
    ],
)
def test_phone_numbers_written_any_way_become_e164(cell, expected):
    result = read(simple(row(telefoon=cell)))

    assert result.problems == []
    assert result.rows[0].telefoon == expected


def test_email_loses_spaces_and_capitals():
    result = read(simple(row(email=" Jan.Jansen @ Example.NL\u200b ")))

    assert result.rows[0].email == "jan.jansen@example.nl"


def test_names_are_trimmed_and_inner_whitespace_collapsed():
    result = read(
        simple(row(voorletters=" J. A. ", tussenvoegsel="  van   der ", achternaam="Berg \t"))
    )

    assert (
        result.rows[0].voorletters,
        result.rows[0].tussenvoegsel,
        result.rows[0].achternaam,
    ) == (
        "J. A.",
        "van der",
        "Berg",
    )


def test_empty_rows_between_data_are_skipped_and_row_numbers_kept():
    data = simple(
        row(kvk="11111111"),
        [None] * 7,
        ["   ", None, "", " ", None, "\t", None],
        row(kvk="22222222"),
    )

    result = read(data)

    assert result.problems == []
    assert [(r.rij, r.kvk_nummer) for r in result.rows] == [(2, "11111111"), (5, "22222222")]


def test_a_wrong_dimension_in_the_sheet_does_not_cut_rows_off():
    data = simple(row(kvk="11111111"), row(kvk="22222222"))
    data = rezip(
        data,
        replace={
            "xl/worksheets/sheet1.xml": lambda xml: substitute(
                xml, b'<dimension ref="A1:G3" />', b'<dimension ref="A1:B1" />'
            )
        },
    )

    assert [r.kvk_nummer for r in read(data).rows] == ["11111111", "22222222"]


def test_a_row_with_only_an_unknown_column_filled_is_empty():
    data = xlsx(("Blad1", [["Nr", *HEADER], [1, *row()], [2, *[None] * 7], [3, *[None] * 7]]))

    result = read(data)

    assert [r.rij for r in result.rows] == [2]
    assert result.problems == []


def test_headers_in_another_order_case_and_with_extra_columns():
    header = [
        "Notities",
        "e-mail",
        "TELEFOON",
        "KvK nr",
        "Achternaam ",
        "initialen",
        "Kenmerk",
        "Tussenv.",
    ]
    data = xlsx(
        (
            "Klanten",
            [
                header,
                ["belt terug", "a@b.nl", "06 12345678", "69599084", "Bakker", "A.", "REF-9", "de"],
            ],
        )
    )

    result = read(data)

    assert result.sheet == "Klanten"
    assert result.rows == [
        ImportRow(2, "69599084", "A.", "de", "Bakker", "a@b.nl", "+31612345678", "REF-9")
    ]


@pytest.mark.parametrize(
    "header",
    [
        ["KvK", "Voorletters", "Achternaam", "Email", "Tel"],
        ["kvknummer", "Initialen", "ACHTERNAAM", "emailadres", "Mobiel", "Uw referentie"],
        ["KvK-nr", "Voorletter(s)", "achternaam", "mail", "Telefoon", "Referentie"],
        ["KVK nummer", "voorletters", "Achternaam", "E-mail", "Telefoonnummer"],
    ],
)
def test_header_aliases(header):
    values = {
        "kvk": "69599084",
        "voor": "J.",
        "achter": "Jansen",
        "mail": "j@x.nl",
        "tel": "0612345678",
    }
    data = xlsx(("Blad1", [header, list(values.values())]))

    assert read(data).rows[0].achternaam == "Jansen"


def test_naam_is_not_taken_for_achternaam():
    data = xlsx(
        (
            "Blad1",
            [
                ["KvK", "Voorletters", "Naam", "Email", "Telefoon"],
                ["69599084", "J.", "X", "j@x.nl", "0612345678"],
            ],
        )
    )

    error = refused(data)

    assert "Missing: Achternaam." in str(error)


def test_header_below_a_title_and_data_on_the_second_sheet():
    data = xlsx(
        ("Uitleg", [["Vul het tweede tabblad in."], ["KVK-nummer", "8 cijfers"]]),
        ("Gegevens", [["Klanten 2025"], [], HEADER, row(), row(kvk="22222222")]),
    )

    result = read(data)

    assert result.sheet == "Gegevens"
    assert [r.rij for r in result.rows] == [4, 5]


def test_a_duplicate_kvk_nummer_is_kept_once_and_reported_with_both_rows():
    data = simple(
        row(kvk="01234567"), row(kvk="11111111"), row(kvk="0123 4567", achternaam="Tweede")
    )

    result = read(data)

    assert [(r.rij, r.kvk_nummer, r.achternaam) for r in result.rows] == [
        (2, "01234567", "Jansen"),
        (3, "11111111", "Jansen"),
    ]
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert (problem.rij, problem.kvk_nummer) == (4, "0123 4567")
    assert not problem.reden.startswith("Row")  # the row is ``rij``; pages put it in front
    assert "KvK number 01234567 appears already in row 2" in problem.reden


def test_a_formula_in_a_name_cell_stays_literal_text():
    formula = '=HYPERLINK("http://evil.nl","x")'
    result = read(simple(row(achternaam=formula, referentie="=1+1")))

    assert result.problems == []
    assert result.rows[0].achternaam == formula
    assert result.rows[0].referentie == "=1+1"


@pytest.mark.parametrize(
    ("column", "expected"),
    [("kvk", "contains other characters"), ("email", "is not valid"), ("telefoon", "is not valid")],
)
def test_a_formula_in_a_value_column_is_a_row_problem(column, expected):
    result = read(simple(row(**{column: '=HYPERLINK("http://evil.nl","x")'})))

    assert result.rows == []
    assert result.problems[0].rij == 2
    assert expected in result.problems[0].reden


def test_control_characters_are_removed():
    data = simple(
        row(
            voorletters="J.\x7f",
            achternaam="Jan_x0007_sen_x000D__x000A_",  # how Excel stores control characters
            tussenvoegsel="van\u202e der",
            referentie="dossier\x85 12",
        )
    )

    result = read(data)

    assert result.problems == []
    assert (result.rows[0].voorletters, result.rows[0].achternaam) == ("J.", "Jansen")
    assert result.rows[0].tussenvoegsel == "van der"
    assert result.rows[0].referentie == "dossier 12"


# --- Row problems ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (row(kvk=None), "No KvK number"),
        (
            row(kvk="123456789"),
            "A KvK number consists of 8 digits; '123456789' has 9. Correct the KvK number in the file.",
        ),
        (row(kvk="12345"), "has 5"),
        (row(kvk=1234567.5), "“1234567.5” is not a KvK number"),
        (row(kvk="KvK 6959"), "contains other characters"),
        (row(voorletters=" "), "No initials"),
        (
            row(voorletters="J" * 21),
            "The text in column “Voorletter(s)” has 21 characters; at most 20",
        ),
        (row(tussenvoegsel="v" * 21), "column “Tussenvoegsel (optioneel)” has 21"),
        (row(achternaam=None), "No surname"),
        (row(achternaam="x" * 101), "column “Achternaam” has 101 characters"),
        (row(email=None), "No e-mail address"),
        (row(email="jan@"), "The e-mail address “jan@” is not valid"),
        (row(email="jan@example.nl; piet@example.nl"), "is not valid"),
        (row(telefoon=""), "No phone number"),
        (row(telefoon="06-1234567"), "The phone number “06-1234567” is not valid"),
        (row(telefoon="bel me"), "is not valid"),
        (
            row(referentie="r" * 101),
            "The text in column “Referentie (optioneel)” has 101 characters; at most 100 are allowed. Shorten it.",
        ),
    ],
)
def test_row_problems_name_the_row_and_the_reason(values, expected):
    result = read(simple(values, row(kvk="22222222")))

    assert [r.kvk_nummer for r in result.rows] == ["22222222"]
    assert len(result.problems) == 1
    assert result.problems[0].rij == 2
    assert expected in result.problems[0].reden
    assert not result.problems[0].reden.startswith("Row")


def test_one_problem_per_row_the_first_in_column_order():
    result = read(simple(row(voorletters="", email="x", telefoon="")))

    assert len(result.problems) == 1
    assert "No initials" in result.problems[0].reden


def test_a_long_value_is_shortened_in_the_message():
    result = read(simple(row(kvk="x" * 500)))

    problem = result.problems[0]
    assert len(problem.reden) < 200
    assert len(problem.kvk_nummer) == 40


def test_referentie_of_exactly_100_characters_is_accepted():
    assert read(simple(row(referentie="r" * 100))).rows[0].referentie == "r" * 100


# --- Hostile and wrong files -------------------------------------------------------------------


@pytest.mark.parametrize(
    "filename", ["klanten.xls", "klanten.csv", "klanten.xlsm", "klanten", "klanten.xlsx.exe", ""]
)
def test_only_xlsx_names_are_accepted(filename):
    error = refused(simple(row()), filename)

    assert error.code == "extension"
    assert "Only Excel workbooks (.xlsx) can be imported" in str(error)


def test_refused_file_is_a_domain_error():
    error = refused(b"KVK-nummer;Achternaam\n01234567;Jansen\n")

    assert isinstance(error, DomainError)
    assert "not an Excel .xlsx file" in str(error)


def test_random_bytes_are_not_an_xlsx():
    assert refused(os.urandom(5000)).code == "not_xlsx"


def test_old_xls_renamed_to_xlsx():
    error = refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000)

    assert "old Excel (.xls) file" in str(error)


def test_a_broken_zip_is_refused():
    error = refused(b"PK\x03\x04" + os.urandom(2000))

    assert "could not be read as an Excel workbook" in str(error)


def test_a_zip_that_is_no_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")

    assert "could not be read as an Excel workbook" in str(refused(buffer.getvalue()))


def test_over_the_size_limit_is_refused_before_anything_else():
    error = refused(os.urandom(imports.MAX_IMPORT_BYTES + 1))

    assert error.code == "too_large"
    assert "larger than 5 MB" in str(error)


def test_at_most_one_byte_over_the_limit_is_read():
    class Endless(io.RawIOBase):
        def read(self, size=-1):
            assert size >= 0, "the whole upload must never be read"
            return b"PK\x03\x04" * (size // 4 + 1)

    with pytest.raises(ImportFileError, match="larger than"):
        read_import_file(Endless(), filename="x.xlsx")


@pytest.mark.parametrize(
    "change",
    [
        {"add": {"xl/vbaProject.bin": b"\0" * 100}},
        {
            "replace": {
                "[Content_Types].xml": lambda xml: substitute(
                    xml,
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            }
        },
    ],
    ids=["vbaProject.bin", "macroEnabled content type"],
)
def test_macro_workbooks_are_refused(change):
    data = rezip(simple(row()), **change)

    error = refused(data)

    assert error.code == "macro"
    assert "Macro workbooks are not accepted" in str(error)


def test_zip_bomb_is_refused_before_openpyxl_opens_it(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("openpyxl must not see a zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", fail)
    # 50 MB of zeros packs into about 50 KB: a ratio near 1000.
    data = rezip(simple(row()), add={"xl/media/image1.png": bytes(50 * 1024 * 1024)})
    assert len(data) < imports.MAX_IMPORT_BYTES

    error = refused(data)

    assert error.code == "zip_ratio"
    assert "too much data once unpacked" in str(error)


def test_too_much_uncompressed_data_is_refused(monkeypatch):
    monkeypatch.setattr(imports, "MAX_UNCOMPRESSED_BYTES", 20_000)

    assert (
        refused(rezip(simple(row()), add={"xl/media/a.bin": os.urandom(20_000)})).code == "zip_size"
    )


def test_too_many_zip_members_are_refused():
    data = rezip(simple(row()), add={f"xl/media/{i}.txt": b"x" for i in range(200)})

    assert refused(data).code == "zip_members"


@pytest.mark.parametrize(
    "name", ["../../etc/cron.d/x", "/etc/passwd", "xl/../../x.xml", "C:/x.xml"]
)
def test_member_names_leaving_the_archive_are_refused(name):
    assert refused(rezip(simple(row()), add={name: b"x"})).code == "zip_path"


ENTITY_PROLOG = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'


def with_entity(prolog: bytes) -> Callable[[bytes], bytes]:
    def change(xml: bytes) -> bytes:
        xml = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        return prolog + substitute(xml, b"<t>Jansen</t>", b"<t>&a;</t>")

    return change


def test_defusedxml_is_in_use():
    assert openpyxl.xml.DEFUSEDXML is True


def test_xml_entity_in_a_sheet_is_refused():
    data = rezip(simple(row()), replace={"xl/worksheets/sheet1.xml": with_entity(ENTITY_PROLOG)})

    error = refused(data)

    assert error.code == "xml_dtd"  # by the check before openpyxl; defusedxml is the next wall
    assert "could not be read as an Excel workbook" in str(error)


def test_any_doctype_is_refused_even_without_entities():
    data = rezip(
        simple(row()), replace={"xl/styles.xml": lambda xml: b"<!DOCTYPE styleSheet>" + xml}
    )

    assert refused(data).code == "xml_dtd"


def test_xml_entity_past_the_prolog_check_is_refused_by_defusedxml():
    # A long comment pushes the DOCTYPE past the quick check: defusedxml must still refuse it.
    prolog = b'<?xml version="1.0"?><!--' + b"x" * 10_000 + b'--><!DOCTYPE x [<!ENTITY a "aaaa">]>'
    data = rezip(simple(row()), replace={"xl/worksheets/sheet1.xml": with_entity(prolog)})

    error = refused(data)

    assert error.code in {"load", "parse"}
    assert "could not be read as an Excel workbook" in str(error)


def test_module_refuses_to_load_without_defusedxml(monkeypatch):
    monkeypatch.setattr(openpyxl.xml, "DEFUSEDXML", False)
    spec = importlib.util.spec_from_file_location("imports_without_defusedxml", imports.__file__)
    module = importlib.util.module_from_spec(spec)

    with pytest.raises(RuntimeError, match="defusedxml"):
        spec.loader.exec_module(module)


def test_a_workbook_without_the_required_columns_names_the_missing_ones():
    data = xlsx(("Blad1", [["KvK", "Achternaam", "Email"], ["69599084", "Jansen", "j@x.nl"]]))

    error = refused(data)

    assert error.code == "no_header"
    assert "Missing: Voorletter(s), Telefoonnummer." in str(error)


def test_an_empty_workbook_names_every_required_column():
    error = refused(xlsx(("Blad1", [])))

    assert "Missing: KVK-nummer, Voorletter(s), Achternaam, E-mailadres, Telefoonnummer." in str(
        error
    )


def test_a_header_below_row_20_is_not_found():
    data = xlsx(("Blad1", [[f"regel {i}"] for i in range(20)] + [HEADER, row()]))

    assert refused(data).code == "no_header"


def test_more_rows_than_the_limit_are_refused(monkeypatch):
    monkeypatch.setattr(imports, "MAX_IMPORT_ROWS", 50)
    rows = [row(kvk=f"{10_000_000 + i}") for i in range(51)]

    error = refused(simple(*rows))

    assert error.code == "too_many_rows"
    assert "more than 50 companies" in str(error)
    assert len(read(simple(*rows[:50])).rows) == 50


def test_10001_real_rows_are_refused_at_the_first_row_too_many(monkeypatch):
    """The refusal comes at row 10,001, without reading on to the end of the file."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Bedrijven")
    sheet.append(HEADER)
    for i in range(imports.MAX_IMPORT_ROWS + 500):
        sheet.append([f"{10_000_000 + i}", "J.", None, "Jansen", "jan@example.nl", "0612345678"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    read_rows = []
    original = imports._read_row

    def counting(*args, **kwargs):
        read_rows.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(imports, "_read_row", counting)

    error = refused(buffer.getvalue())

    assert "more than 10,000 companies" in str(error)
    assert len(read_rows) == imports.MAX_IMPORT_ROWS
