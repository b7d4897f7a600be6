"""Reading the spreadsheet of "Voeg toe > Meerdere bedrijven" (Z login manual 3.2).

An intermediair (an accountant) requests ketenmachtigingen from hundreds of client companies at
once: one row per company with its KvK-nummer and the contact person who receives the
invitation. This module turns an uploaded workbook into clean rows and per-row problems; it
touches no database, so the task that calls it (``services.bulk.import_read``) decides what
happens next, and the template offered for download (``build_template``) lives here too, so
that what we hand out and what we read back can never drift apart.

Two kinds of failure are kept apart:

* **The whole file is refused** (``ImportFileError``): wrong format, too large, a zip bomb, a
  macro workbook, XML tricks, no recognisable header row, too many rows. Nothing is imported.
* **A row has a problem** (``RowProblem``): it is listed with its row number and a reason that
  says what to fix (the reason does not repeat the row: the pages put "Rij 9" before it, in the
  reader's language); the other rows go on. Each row yields at most one problem, the first one in
  column order, so a list of 300 problems stays readable.

The file is untrusted input from the internet. openpyxl has no defence against zip bombs, so the
ZIP container is inspected before openpyxl opens it; XML entity attacks are stopped by
defusedxml, which openpyxl uses only when it is installed (asserted below, at import). Formulas
are never evaluated: the workbook is loaded with ``data_only=False``, so a cell holding
``=HYPERLINK(...)`` comes back as that text and is treated as data like any other.

Real files are messy: people write phone numbers in every possible way, paste e-mail addresses
with spaces, rename or reorder the columns and put an instructions sheet first. All of that is
accepted here. A KvK-nummer of 7 digits is not: it gets the same message as in the wizard (Excel
drops the leading zero of a number typed into a number cell, but guessing that zero could invite
another company), with the advice to format the column as text.
"""

import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from io import BytesIO
from pathlib import PurePath
from typing import TYPE_CHECKING, BinaryIO

import openpyxl
import openpyxl.xml
import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ketenportal.exceptions import DomainError
from ketenportal.utils.identifiers import normalise_kvk_nummer

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

# Without defusedxml openpyxl parses with the standard library, which expands entities
# ("billion laughs"). Refuse to run rather than read uploads unprotected.
if not openpyxl.xml.DEFUSEDXML:
    raise RuntimeError(
        "openpyxl is not using defusedxml: install defusedxml and do not set "
        "OPENPYXL_DEFUSEDXML=False, or spreadsheet uploads are open to XML entity attacks."
    )

#: The upload size limit.
MAX_IMPORT_BYTES = 5 * 1024 * 1024
#: Non-empty data rows per file.
MAX_IMPORT_ROWS = 10_000
#: The columns a header row must have.
REQUIRED = ("kvk_nummer", "voorletters", "achternaam", "email", "telefoon")

# Zip-bomb limits, checked on the ZIP directory before anything is decompressed. A genuine
# import workbook has about a dozen members, a few MB unpacked and ratios of 5-20.
MAX_ZIP_MEMBERS = 200
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# Tiny members (an empty sheet, a relationships file) can have odd ratios and are harmless.
RATIO_CHECK_MIN_BYTES = 1024

# The header row is looked for in the first rows and columns only: a title or some explanation
# above it is common, a header at row 500 is not a header.
HEADER_SEARCH_ROWS = 20
HEADER_SEARCH_COLUMNS = 200

# The lengths of the fields the rows end up in (Ketenmachtiging.relatie_contact_* and
# referentie): a longer value is reported here instead of failing when the request is sent.
MAX_VOORLETTERS = 20
MAX_TUSSENVOEGSEL = 20
MAX_ACHTERNAAM = 100
MAX_REFERENTIE = 100
MAX_EMAIL = 254
# Long enough for any way of writing a phone number; longer text is not a phone number.
MAX_TELEFOON_INPUT = 50

#: Rows 2..TEMPLATE_ROWS+1 of the template are formatted as text.
TEMPLATE_ROWS = 1000
TEMPLATE_SHEET = "Bedrijven"
INSTRUCTIONS_SHEET = "Instructies"

# Each column: the header of the template (as in the manual), the header texts we accept, and
# the template's column width.
_COLUMNS: dict[str, tuple[str, tuple[str, ...], int]] = {
    "kvk_nummer": (
        "KVK-nummer",
        ("KVK-nummer", "KvK nummer", "kvknummer", "KvK", "KvK-nr", "kvk_nummer"),
        14,
    ),
    "voorletters": ("Voorletter(s)", ("Voorletter(s)", "Voorletters", "Initialen"), 14),
    "tussenvoegsel": (
        "Tussenvoegsel (optioneel)",
        ("Tussenvoegsel (optioneel)", "Tussenvoegsel", "tussenv."),
        24,
    ),
    # Not "Naam": in client lists that is as often the company name as the person's.
    "achternaam": ("Achternaam", ("Achternaam",), 28),
    "email": ("E-mailadres", ("E-mailadres", "Email", "E-mail", "emailadres", "mail"), 34),
    "telefoon": (
        "Telefoonnummer",
        ("Telefoonnummer", "Telefoon", "Tel", "Mobiel", "Telefoonnr", "Mobiel nummer"),
        18,
    ),
    "referentie": (
        "Referentie (optioneel)",
        ("Referentie (optioneel)", "Referentie", "Kenmerk", "Uw referentie"),
        26,
    ),
}

# Excel marks an old binary workbook (.xls) and a password-protected .xlsx alike: both are OLE
# compound files, not ZIP archives.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"

_HEADER_NOISE = re.compile(r"\b(?:optioneel|optional)\b|[\s\-._()*:]")
# Excel stores characters that XML cannot hold as _xHHHH_; openpyxl hands that text back as is.
_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# Control characters (C0 except the whitespace ones, DEL, C1) and invisible format characters
# that come along when text is pasted from web pages or mails: zero-width spaces, byte order
# marks and bidirectional overrides (which can make text display differently than it reads).
_CONTROL_CHARS = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_DISPLAY_LENGTH = 40


@dataclass
class ImportRow:
    """A row that can be requested, normalised."""

    rij: int  # the row number as Excel shows it (1-based, header row included)
    kvk_nummer: str  # 8 digits
    voorletters: str
    tussenvoegsel: str
    achternaam: str
    email: str  # stripped, lower-cased
    telefoon: str  # E.164 ("+31612345678")
    referentie: str


@dataclass
class RowProblem:
    """A row that is left out, and why."""

    rij: int
    kvk_nummer: str  # what the cell held, as text ("" if empty), for showing in the list
    reden: str  # translated; says what to fix (without the row: that is ``rij``)


@dataclass
class ReadResult:
    sheet: str
    rows: list[ImportRow]
    problems: list[RowProblem]


class ImportFileError(DomainError):
    """The whole file is refused; ``str(error)`` says why and what to do."""


class _RowInvalid(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- Reading -----------------------------------------------------------------------------------


def read_import_file(source: BinaryIO, *, filename: str) -> ReadResult:
    """Read an uploaded workbook into normalised rows and per-row problems.

    Raises ``ImportFileError`` when the file as a whole cannot be imported.
    """
    _check_filename(filename)
    # One byte more than allowed tells "too large" apart without reading all of a huge upload.
    data = source.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError(
            _("The file is larger than %(mb)s MB. Split it into smaller files.")
            % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)},
            code="too_large",
        )
    _check_container(data)
    try:
        workbook = openpyxl.load_workbook(
            BytesIO(data), read_only=True, data_only=False, keep_links=False
        )
    except Exception as exc:  # anything openpyxl or defusedxml raises means "not readable"
        raise _unreadable("load") from exc
    try:
        return _read_workbook(workbook)
    finally:
        workbook.close()


def _check_filename(filename: str) -> None:
    name = PurePath((filename or "").replace("\\", "/")).name
    if PurePath(name).suffix.lower() != ".xlsx":
        raise ImportFileError(
            _(
                "Only Excel workbooks (.xlsx) can be imported; “%(name)s” is not one. Save the "
                "file in Excel as “Excel Workbook (.xlsx)” and upload it again."
            )
            % {"name": _display(name)},
            code="extension",
        )


def _check_container(data: bytes) -> None:
    """Refuse what is not a plain .xlsx, before openpyxl decompresses or parses anything."""
    if data.startswith(_OLE_MAGIC):
        raise ImportFileError(
            _(
                "This is an old Excel (.xls) file or a password-protected workbook, not an Excel "
                ".xlsx file. Save it in Excel as “Excel Workbook (.xlsx)” without a password and "
                "upload it again."
            ),
            code="not_xlsx",
        )
    if not data.startswith(_ZIP_MAGIC):
        raise ImportFileError(
            _(
                "This is not an Excel .xlsx file. Save it in Excel as “Excel Workbook (.xlsx)” "
                "and upload it again."
            ),
            code="not_xlsx",
        )
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        members = archive.infolist()
    except Exception as exc:  # BadZipFile, but also struct and value errors on crafted input
        raise _unreadable("zip") from exc

    with archive:
        # The sizes come from the ZIP directory; zipfile never decompresses a member past its
        # declared size (it stops and fails the CRC check), so checking them here is enough.
        if len(members) > MAX_ZIP_MEMBERS:
            raise _too_much("zip_members")
        if sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
            raise _too_much("zip_size")
        for member in members:
            if member.file_size >= RATIO_CHECK_MIN_BYTES and (
                member.compress_size == 0
                or member.file_size / member.compress_size > MAX_COMPRESSION_RATIO
            ):
                raise _too_much("zip_ratio")
            parts = re.split(r"[/\\]", member.filename)
            if member.filename.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
                raise _unreadable("zip_path")
            if member.flag_bits & 0x1:  # encrypted member
                raise _unreadable("zip_encrypted")

        names = {m.filename.lower(): m for m in members}
        macro = any(name.endswith("vbaproject.bin") for name in names)
        content_types = names.get("[content_types].xml")
        if content_types is not None and not macro:
            try:
                macro = b"macroenabled" in archive.read(content_types).lower()
            except Exception as exc:
                raise _unreadable("zip") from exc
        if macro:
            raise ImportFileError(
                _(
                    "Macro workbooks are not accepted. Save the file in Excel as “Excel Workbook "
                    "(.xlsx)”, without macros, and upload it again."
                ),
                code="macro",
            )

        # Excel never writes a DTD. defusedxml would refuse the entities anyway; refusing any
        # DOCTYPE in the prolog keeps that true even for parsers that allow a harmless-looking
        # one, and costs a few KB of decompression per member.
        for member in members:
            if not member.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            try:
                with archive.open(member) as stream:
                    head = stream.read(4096)
            except Exception as exc:
                raise _unreadable("zip") from exc
            head = head.replace(b"\x00", b"").upper()  # also finds it in UTF-16 text
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise _unreadable("xml_dtd")


def _read_workbook(workbook: "Workbook") -> ReadResult:
    best: set[str] = set()
    for sheet in workbook.worksheets:
        # A wrong <dimension> in the file would make openpyxl cut rows off or pad every row to
        # 16,384 columns; read what is actually there instead.
        sheet.reset_dimensions()
        header_row, columns, found = _find_header(sheet)
        if header_row is not None:
            return _read_rows(sheet, header_row, columns)
        if len(found) > len(best):
            best = found
    missing = [_COLUMNS[field][0] for field in REQUIRED if field not in best]
    raise ImportFileError(
        _(
            "No sheet in the file has the columns needed for an import. Missing: %(missing)s. "
            "Put the column names in the first row, as in the template: %(required)s."
        )
        % {
            "missing": ", ".join(missing),
            "required": ", ".join(header for header, _aliases, _width in _COLUMNS.values()),
        },
        code="no_header",
    )


def _find_header(sheet: "ReadOnlyWorksheet") -> tuple[int | None, dict[str, int], set[str]]:
    """The first row (within the first rows) that has every required column.

    Returns its number and the column index of each known field, or ``None`` and the most
    required columns seen in one row (to say which ones are missing).
    """
    best: set[str] = set()
    rows = _values(sheet, min_row=1, max_col=HEADER_SEARCH_COLUMNS)
    for number, row in enumerate(rows, start=1):
        if number > HEADER_SEARCH_ROWS:
            break
        columns: dict[str, int] = {}
        for index, value in enumerate(row):
            field = _ALIASES.get(_header_key(value))
            if field is not None:
                columns.setdefault(field, index)  # a second "E-mail" column is ignored
        found = {field for field in REQUIRED if field in columns}
        if len(found) == len(REQUIRED):
            return number, columns, found
        if len(found) > len(best):
            best = found
    return None, {}, best


def _header_key(value: object) -> str:
    text = _clean(value if isinstance(value, str) else "" if value is None else str(value))
    return _HEADER_NOISE.sub("", text.lower())


def _read_rows(sheet: "ReadOnlyWorksheet", header_row: int, columns: dict[str, int]) -> ReadResult:
    rows: list[ImportRow] = []
    problems: list[RowProblem] = []
    first_row_of: dict[str, int] = {}
    count = 0
    max_col = max(columns.values()) + 1
    for number, values in enumerate(
        _values(sheet, min_row=header_row + 1, max_col=max_col), start=header_row + 1
    ):
        cells = {field: values[i] if i < len(values) else None for field, i in columns.items()}
        # Only the columns we read count: a row numbered in an extra column is still empty.
        if all(_clean_text(value) == "" for value in cells.values()):
            continue
        count += 1
        if count > MAX_IMPORT_ROWS:
            raise ImportFileError(
                _(
                    "The file has more than %(max)s companies. Split it into files of at most "
                    "%(max)s rows and upload them one by one."
                )
                % {"max": number_format(MAX_IMPORT_ROWS, force_grouping=True)},
                code="too_many_rows",
            )
        try:
            rows.append(_read_row(number, cells, first_row_of))
        except _RowInvalid as problem:
            kvk_text = _display(_clean_text(cells.get("kvk_nummer")))
            problems.append(RowProblem(rij=number, kvk_nummer=kvk_text, reden=problem.reason))
    return ReadResult(sheet=sheet.title, rows=rows, problems=problems)


def _values(
    sheet: "ReadOnlyWorksheet", *, min_row: int, max_col: int
) -> Iterator[Sequence[object]]:
    """The sheet's rows as tuples of values; a parse error (the sheet XML is read lazily, as the
    rows are consumed) refuses the file. Errors in our own row handling are not caught here."""
    rows = sheet.iter_rows(min_row=min_row, max_col=max_col, values_only=True)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:
            raise _unreadable("parse") from exc
        yield row


def _read_row(number: int, cells: dict[str, object], first_row_of: dict[str, int]) -> ImportRow:
    """Validate one row in column order; the first problem found is raised as ``_RowInvalid``."""
    kvk_nummer = _kvk_nummer(number, cells.get("kvk_nummer"))
    if kvk_nummer in first_row_of:
        raise _RowInvalid(
            _(
                "KvK number %(kvk)s appears already in row %(first)s. Each company "
                "can be imported once; remove one of the two rows."
            )
            % {"kvk": kvk_nummer, "first": first_row_of[kvk_nummer]}
        )
    # Remembered even when this row fails further on: a later row with the same company is a
    # duplicate of this one, and the user fixes this row rather than getting two requests.
    first_row_of[kvk_nummer] = number

    voorletters = _clean_text(cells.get("voorletters"))
    if not voorletters:
        raise _RowInvalid(_("No initials (voorletters). Enter the initials of the contact person."))
    _check_length(number, voorletters, MAX_VOORLETTERS, "voorletters")
    tussenvoegsel = _clean_text(cells.get("tussenvoegsel"))
    _check_length(number, tussenvoegsel, MAX_TUSSENVOEGSEL, "tussenvoegsel")
    achternaam = _clean_text(cells.get("achternaam"))
    if not achternaam:
        raise _RowInvalid(_("No surname (achternaam). Enter the surname of the contact person."))
    _check_length(number, achternaam, MAX_ACHTERNAAM, "achternaam")
    email = _email(number, cells.get("email"))
    telefoon = _telefoon(number, cells.get("telefoon"))
    referentie = _clean_text(cells.get("referentie"))
    _check_length(number, referentie, MAX_REFERENTIE, "referentie")
    return ImportRow(
        rij=number,
        kvk_nummer=kvk_nummer,
        voorletters=voorletters,
        tussenvoegsel=tussenvoegsel,
        achternaam=achternaam,
        email=email,
        telefoon=telefoon,
        referentie=referentie,
    )


def _kvk_nummer(number: int, value: object) -> str:
    text = _clean_text(value)
    if not text:
        raise _RowInvalid(_("No KvK number. Enter the 8-digit KvK number of the company."))
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        # A date, a time or TRUE/FALSE: Excel turned what was typed into something else.
        raise _not_a_kvk_nummer(number, text)
    if isinstance(value, float):
        # A number cell: 69599084.0 and 6.9599084e7 are fine, 1234567.5 is not a KvK number
        # (and int() would quietly cut it to one).
        if not value.is_integer():
            raise _not_a_kvk_nummer(number, text)
        value = int(value)
    elif isinstance(value, str):
        value = text
    try:
        # Seven digits get the wizard's message, not a zero put in front: the number may as well
        # miss another digit, and a guessed number could find (and invite) another company.
        return normalise_kvk_nummer(value)
    except ValidationError as exc:
        reason = _validation_text(exc, text)
        if len(_digits_of(text)) == 7:
            # The usual cause: a number cell that dropped the leading 0 of 01234567.
            raise _RowInvalid(
                _(
                    "%(reason)s Correct the KvK number in the file. A KvK number that starts "
                    "with 0 loses it in a number cell: format the column as text."
                )
                % {"reason": reason}
            ) from exc
        raise _RowInvalid(
            _("%(reason)s Correct the KvK number in the file.") % {"reason": reason}
        ) from exc


def _digits_of(text: str) -> str:
    return re.sub(r"[\s.\-']", "", text)


def _not_a_kvk_nummer(number: int, text: str) -> _RowInvalid:
    return _RowInvalid(
        _("“%(value)s” is not a KvK number. Enter the 8-digit KvK number.")
        % {"value": _display(text)}
    )


def _validation_text(exc: ValidationError, shown: str) -> str:
    """The message of ``exc`` with the offending value shortened for the list of problems."""
    message = getattr(exc, "message", None)
    params = getattr(exc, "params", None)
    if message is not None and params:
        return str(message) % {**params, "value": _display(shown)}
    return exc.messages[0]


def _email(number: int, value: object) -> str:
    # Addresses are often pasted with spaces (or zero-width ones) inside; none belong there.
    email = "".join(_clean_text(value).split()).lower()
    if email.startswith("mailto:"):
        email = email.removeprefix("mailto:")
    if not email:
        raise _RowInvalid(_("No e-mail address. Enter the e-mail address of the contact person."))
    try:
        if len(email) > MAX_EMAIL:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError as exc:
        raise _RowInvalid(
            _(
                "The e-mail address “%(value)s” is not valid. Enter an address such "
                "as name@example.nl."
            )
            % {"value": _display(email)}
        ) from exc
    return email


def _telefoon(number: int, value: object) -> str:
    text = _clean_text(value).lstrip("'")
    if not text:
        raise _RowInvalid(
            _("No phone number. Enter the phone number of the contact person, such as 06-12345678.")
        )
    # A number cell drops the leading 0 (0612345678 becomes 612345678, read here as "612345678");
    # phonenumbers takes a 9-digit national number without its 0 as the same number, and
    # "31612345678" (a lost "+") as +31 6 12345678, so no repair is needed for either.
    try:
        if len(text) > MAX_TELEFOON_INPUT:
            raise phonenumbers.NumberParseException(
                phonenumbers.NumberParseException.TOO_LONG, "too long"
            )
        parsed = phonenumbers.parse(text, "NL")
        if not phonenumbers.is_valid_number(parsed):
            raise phonenumbers.NumberParseException(
                phonenumbers.NumberParseException.NOT_A_NUMBER, "not valid"
            )
    except phonenumbers.NumberParseException as exc:
        raise _RowInvalid(
            _(
                "The phone number “%(value)s” is not valid. Enter a number such as "
                "06-12345678 or +31 20 1234567."
            )
            % {"value": _display(text)}
        ) from exc
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _check_length(number: int, value: str, maximum: int, field: str) -> None:
    if len(value) > maximum:
        raise _RowInvalid(
            _(
                "The text in column “%(column)s” has %(length)s characters; at most "
                "%(max)s are allowed. Shorten it."
            )
            # The column as the template names it: the name the user sees in the file.
            % {"column": _COLUMNS[field][0], "length": len(value), "max": maximum}
        )


# --- Cell values -------------------------------------------------------------------------------


def _clean_text(value: object) -> str:
    """A cell value as trimmed text with single spaces and no control characters."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 69599084.0 reads as 69599084
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return _clean(str(value))


def _clean(text: str) -> str:
    if "_x" in text:
        text = _EXCEL_ESCAPE.sub(_unescape_control, text)
    text = _CONTROL_CHARS.sub("", text)
    # split() also breaks on tabs, line breaks and non-breaking spaces pasted from elsewhere.
    return " ".join(text.split())


def _unescape_control(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    if char.isspace():
        return " "
    if _CONTROL_CHARS.fullmatch(char):
        return ""
    return match.group(0)  # anything else Excel would have written as itself; keep the text


def _display(text: str) -> str:
    """Text short enough to quote in a message."""
    text = _clean(text)
    return text if len(text) <= _DISPLAY_LENGTH else text[: _DISPLAY_LENGTH - 1] + "…"


def _unreadable(code: str) -> ImportFileError:
    return ImportFileError(
        _(
            "The file could not be read as an Excel workbook. Save it again in Excel as “Excel "
            "Workbook (.xlsx)” and upload it again."
        ),
        code=code,
    )


def _too_much(code: str) -> ImportFileError:
    return ImportFileError(
        _(
            "The file holds too much data once unpacked to be an import file. Copy only the "
            "companies into the template and upload that."
        ),
        code=code,
    )


_ALIASES: dict[str, str] = {
    _header_key(alias): field
    for field, (_header, aliases, _width) in _COLUMNS.items()
    for alias in aliases
}


# --- The template ------------------------------------------------------------------------------

# Cell texts of the instructions sheet, in both languages on purpose: the file is downloaded
# once and forwarded to colleagues, whatever language the portal was set to.
_INSTRUCTIONS: tuple[tuple[str, str, str], ...] = (
    ("Kolom / Column", "Nederlands", "English"),
    (
        "KVK-nummer",
        "Verplicht. Het KvK-nummer van het bedrijf: 8 cijfers, bijvoorbeeld 01234567. Spaties "
        "en punten mogen.",
        "Required. The company's KvK (Chamber of Commerce) number: 8 digits, for example "
        "01234567. Spaces and dots are allowed.",
    ),
    (
        "Voorletter(s)",
        "Verplicht. De voorletters van de contactpersoon bij het bedrijf, bijvoorbeeld J.A.",
        "Required. The initials of the contact person at the company, for example J.A.",
    ),
    (
        "Tussenvoegsel (optioneel)",
        "Optioneel, bijvoorbeeld: van der.",
        "Optional, for example: van der.",
    ),
    (
        "Achternaam",
        "Verplicht. De achternaam van de contactpersoon.",
        "Required. The surname of the contact person.",
    ),
    (
        "E-mailadres",
        "Verplicht. Naar dit adres sturen wij de uitnodiging om de ketenmachtiging goed te keuren.",
        "Required. The invitation to approve the ketenmachtiging is sent to this address.",
    ),
    (
        "Telefoonnummer",
        "Verplicht. Het telefoonnummer van de contactpersoon, geschreven zoals u gewend bent, "
        "bijvoorbeeld 06-12345678, 020-1234567 of +31 6 12345678.",
        "Required. The phone number of the contact person, written as you are used to, for "
        "example 06-12345678, 020-1234567 or +31 6 12345678.",
    ),
    (
        "Referentie (optioneel)",
        "Optioneel. Uw eigen kenmerk voor uw administratie, hoogstens 100 tekens.",
        "Optional. Your own reference for your records, at most 100 characters.",
    ),
    ("", "", ""),
    (
        "Let op / Note",
        "Eén regel per bedrijf. Per bedrijf wordt één uitnodiging verstuurd.",
        "One row per company. One invitation is sent per company.",
    ),
    (
        "",
        "Vul de gegevens in op het tabblad Bedrijven, vanaf rij 2. Laat de kopregel (rij 1) "
        "staan en verander de kolomnamen niet.",
        "Fill in the details on the Bedrijven sheet, from row 2 on. Keep the header row "
        "(row 1) and do not change the column names.",
    ),
    (
        "",
        "Komt een KvK-nummer twee keer voor, dan telt alleen de eerste regel.",
        "If a KvK number appears twice, only the first row counts.",
    ),
    (
        "",
        "Regels met een fout worden overgeslagen en na het inlezen getoond; de andere bedrijven "
        "kunt u gewoon aanvragen.",
        "Rows with a problem are skipped and listed after reading; you can go on with the other "
        "companies.",
    ),
    (
        "",
        "Hoogstens 10.000 bedrijven en 5 MB per bestand. Sla het bestand op als Excel-werkmap "
        "(.xlsx), zonder macro's.",
        "At most 10,000 companies and 5 MB per file. Save the file as an Excel Workbook (.xlsx), "
        "without macros.",
    ),
)


def build_template() -> bytes:
    """The workbook offered for download: the columns of the manual, formatted as text."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = TEMPLATE_SHEET
    bold = Font(bold=True)
    for index, (header, _aliases, width) in enumerate(_COLUMNS.values(), start=1):
        cell = sheet.cell(row=1, column=index, value=header)
        cell.font = bold
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width
        # Text, so Excel keeps the leading zero of 01234567 and 0612345678: on the column (for
        # rows beyond the formatted range) and on each cell (which is what Excel looks at first).
        sheet.column_dimensions[letter].number_format = "@"
        for row in range(2, TEMPLATE_ROWS + 2):
            sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"

    instructions = workbook.create_sheet(INSTRUCTIONS_SHEET)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in _INSTRUCTIONS:
        instructions.append(row)
    for cell in instructions[1]:
        cell.font = bold
    for row in instructions.iter_rows(min_row=2):
        row[0].font = bold
        for cell in row:
            cell.alignment = wrap
    instructions.column_dimensions["A"].width = 26
    instructions.column_dimensions["B"].width = 70
    instructions.column_dimensions["C"].width = 70

    workbook.active = 0
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
