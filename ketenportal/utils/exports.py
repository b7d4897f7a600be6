"""Spreadsheet downloads (CSV and XLSX) that stream and cannot carry formulas.

Every export of the portal goes through here: the audit log today, ketenmachtigingen lists of
20,000+ rows later. Two dangers are handled once, for every caller:

* **Formula injection** (OWASP "CSV injection"). A name such as ``=HYPERLINK("http://evil.nl")``
  typed by one organisation becomes a live formula in the spreadsheet of whoever opens the export.
  ``neutralise`` prefixes an apostrophe to any text that starts (after optional whitespace) with
  ``= + - @`` or a tab/carriage return, so spreadsheet programs show it as text. In XLSX every
  text cell is additionally written with the string data type, so openpyxl never stores a formula.
* **Control characters**. openpyxl raises ``IllegalCharacterError`` on them and they have no place
  in a spreadsheet cell; all ASCII control characters except the newline are removed.

Memory stays flat however many rows there are: CSV is produced row by row while the response is
sent (``StreamingHttpResponse``), XLSX is written by openpyxl's write-only mode into a temporary
file that spills to disk, and is then sent in blocks (``FileResponse``). Callers should hand in a
lazy iterable, e.g. ``queryset.iterator(chunk_size=2000)`` mapped to tuples.

CSV uses ``;`` as delimiter: Excel with Dutch regional settings (the portal's users) splits on a
semicolon, because the comma is the decimal separator there. The file starts with a UTF-8 byte
order mark so Excel reads accents right instead of guessing a Windows code page.
"""

import csv
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, TypeVar

from django.http import FileResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.http import content_disposition_header

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_DELIMITER = ";"

#: A value a cell may hold after ``neutralise``.
CellValue = str | int | float | Decimal | date | time

# Characters that make Excel, LibreOffice or Google Sheets start a formula (OWASP's list).
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Values that cannot be formulas and are written as they are.
_UNCHANGED = (bool, int, float, Decimal, date, time)
# All ASCII control characters except "\n" (line breaks inside a cell are legitimate).
_CONTROL_CHARS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
# Excel refuses to open a file with a longer text cell.
_XLSX_MAX_CELL_LENGTH = 32_767
# XLSX is assembled in memory up to this size, then on disk.
_SPOOL_MAX_SIZE = 8 * 1024 * 1024
# CSV rows are sent in batches: one network write per row would make large exports slow.
_CSV_ROWS_PER_CHUNK = 200

_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_FILENAME_MAX_LENGTH = 100
_SHEET_TITLE_UNSAFE = re.compile(r"[\[\]:*?/\\']")

_Response = TypeVar("_Response", bound=HttpResponseBase)


def neutralise(value: Any) -> CellValue:
    """A value that is safe in a spreadsheet cell: never a formula, never a control character.

    Numbers and dates pass through unchanged (they cannot be formulas); None becomes "";
    anything else is made text first.
    """
    # Called for every cell of exports of 50,000 rows: the common case (plain text without
    # control characters or a trigger) is decided with as few steps as possible.
    if value.__class__ is str:
        text = value
    elif value is None:
        return ""
    elif isinstance(value, _UNCHANGED):
        return value
    else:
        text = str(value)
    if _CONTROL_CHARS.search(text):
        text = _CONTROL_CHARS.sub("", text)
    # " =1" is still a formula in some programs, so look past leading whitespace.
    if (
        text
        and (text[0] in _FORMULA_TRIGGERS or text[0].isspace())
        and text.lstrip().startswith(_FORMULA_TRIGGERS)
    ):
        return "'" + text
    return text


def safe_filename(name: str, extension: str) -> str:
    """``name.extension`` reduced to ASCII letters, digits, ``-``, ``_`` and ``.``.

    No path separators, no leading dot, at most 100 characters and never empty. Accented letters
    lose their accent rather than the letter. A ``name`` that already ends in ``.extension`` does
    not get it twice.
    """
    extension = _ascii(extension).lower()
    extension = re.sub(r"[^a-z0-9]", "", extension)[:10]
    suffix = f".{extension}" if extension else ""
    base = _ascii(name or "")
    if suffix and base.lower().endswith(suffix):
        base = base[: -len(suffix)]
    base = _FILENAME_UNSAFE.sub("-", base)
    base = re.sub(r"\.{2,}", ".", base)
    base = re.sub(r"-{2,}", "-", base)
    base = base.strip(".-_")
    base = base[: _FILENAME_MAX_LENGTH - len(suffix)].rstrip(".-_")
    return (base or "export") + suffix


def csv_response(
    rows: Iterable[Sequence[Any]], *, header: Sequence[str], filename: str
) -> StreamingHttpResponse:
    """A CSV download that is written while it is sent; ``rows`` is consumed lazily.

    Delimiter ``;`` (Dutch Excel), every field quoted, UTF-8 with a byte order mark.
    """
    response = StreamingHttpResponse(
        _csv_chunks(rows, header=header), content_type=CSV_CONTENT_TYPE
    )
    return _download_headers(response, safe_filename(filename, "csv"))


def xlsx_response(
    rows: Iterable[Sequence[Any]],
    *,
    header: Sequence[str],
    filename: str,
    sheet_title: str = "Export",
) -> FileResponse:
    """An Excel workbook with a bold header row and one sheet, sent from a temporary file.

    ``rows`` is consumed here, one row at a time; the workbook never sits in memory as a whole.
    """
    # Imported here: only downloads need openpyxl, and it is slow to import.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(sheet_title))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def cell(value: Any, *, font: Font | None = None) -> WriteOnlyCell:
        value = _xlsx_value(neutralise(value))
        result = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            # Explicit, although neutralised text cannot start with "=": a formula is never
            # written, whatever neutralise lets through.
            result.data_type = "s"
        if font is not None:
            result.font = font
        return result

    sheet.append([cell(label, font=bold) for label in header])

    def plain(value: Any) -> Any:  # a value, or (never in practice) a text cell
        value = _xlsx_value(neutralise(value))
        if value.__class__ is str and value.startswith("="):
            return cell(value)  # not reached after neutralise; a text cell all the same
        return value

    # The data rows as plain values: openpyxl then reuses one cell object per row instead of
    # making one per value, a third less time for 50,000 rows. It stores text as text unless it
    # starts with "=", which neutralised text never does, and ``plain`` makes sure of it.
    for row in rows:
        sheet.append([plain(value) for value in row])

    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MAX_SIZE, suffix=".xlsx")
    try:
        workbook.save(spool)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    response = FileResponse(spool, content_type=XLSX_CONTENT_TYPE)
    return _download_headers(response, safe_filename(filename, "xlsx"))


class _Echo:
    """A write-only "file" that hands back what is written, for ``csv.writer``."""

    def write(self, value: str) -> str:
        return value


def _csv_chunks(rows: Iterable[Sequence[Any]], *, header: Sequence[str]) -> Iterator[bytes]:
    writer = csv.writer(_Echo(), delimiter=CSV_DELIMITER, quoting=csv.QUOTE_ALL)
    # Evaluated here, in the request, so that lazy translations use the request's language.
    yield ("\ufeff" + writer.writerow([_csv_value(label) for label in header])).encode("utf-8")
    batch: list[str] = []
    for row in rows:
        batch.append(writer.writerow([_csv_value(value) for value in row]))
        if len(batch) >= _CSV_ROWS_PER_CHUNK:
            yield "".join(batch).encode("utf-8")
            batch = []
    if batch:
        yield "".join(batch).encode("utf-8")


def _csv_value(value: Any) -> CellValue:
    value = neutralise(value)
    if isinstance(value, datetime):
        return _local(value).isoformat(sep=" ", timespec="seconds")
    return value


def _xlsx_value(value: CellValue) -> CellValue:
    if isinstance(value, datetime):
        # Excel has no time zones (openpyxl raises on aware datetimes): show local time.
        return _local(value)
    if isinstance(value, str) and len(value) > _XLSX_MAX_CELL_LENGTH:
        return value[: _XLSX_MAX_CELL_LENGTH - 1] + "…"
    return value


def _local(value: datetime) -> datetime:
    if timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")


def _sheet_title(title: str) -> str:
    # Excel's rules: at most 31 characters, none of []:*?/\ and no apostrophe at either end.
    cleaned = _SHEET_TITLE_UNSAFE.sub("", _CONTROL_CHARS.sub("", str(title))).strip()
    return cleaned[:31] or "Export"


def _download_headers(response: _Response, filename: str) -> _Response:
    response["Content-Disposition"] = content_disposition_header(True, filename)
    # Downloads hold personal data: no browser or proxy may keep a copy.
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
