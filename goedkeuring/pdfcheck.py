"""Checks of an uploaded signed form, by content, before anything is stored.

No PDF library is a dependency, so the check is careful and small: the size first (before
reading), the magic bytes, an end-of-file marker, no names that make a PDF act (JavaScript,
launch actions, open actions, embedded files, rich media, XFA), also inside compressed streams
(unpacked with a limit, so a compression bomb is refused), and a sane number of pages.
"""

import re
import zlib

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BYTES = 10 * 1024 * 1024
MAX_PAGES = 50
#: Unpacked bytes of all compressed streams together before the file is refused as a bomb.
MAX_INFLATED = 100 * 1024 * 1024

FORBIDDEN = re.compile(
    rb"/(JavaScript|JS|EmbeddedFiles?|Launch|OpenAction|RichMedia|XFA|SubmitForm|ImportData)"
    rb"(?![A-Za-z0-9])"
)
PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z0-9])")
STREAM = re.compile(rb"stream\r?\n(.*?)\r?\n?endstream", re.S)
NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def _unescape_names(data: bytes) -> bytes:
    # "/J#61vaScript" is "/JavaScript" in PDF name syntax.
    return NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def _inflated(data: bytes) -> list[bytes]:
    parts, total = [], 0
    for match in STREAM.finditer(data):
        decompressor = zlib.decompressobj()
        try:
            part = decompressor.decompress(match.group(1), MAX_INFLATED - total + 1)
        except zlib.error:
            continue  # not deflated (images, other filters): nothing to read in it
        total += len(part)
        if total > MAX_INFLATED:
            raise ValidationError(_("This PDF cannot be read."), code="bomb")
        parts.append(part)
    return parts


def check_pdf(upload) -> int:
    """Raise ``ValidationError`` unless ``upload`` is an acceptable PDF; return its pages."""
    if upload.size > MAX_BYTES:
        raise ValidationError(_("The file is larger than 10 MB."), code="too_big")
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    upload.seek(0)
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 10 MB."), code="too_big")
    if not data.startswith(b"%PDF-"):
        raise ValidationError(_("This is not a PDF file. Upload the signed form as a PDF."), "type")
    if b"%%EOF" not in data[-4096:]:
        raise ValidationError(_("This PDF is damaged or incomplete."), code="damaged")
    texts = [_unescape_names(data), *(_unescape_names(p) for p in _inflated(data))]
    if any(FORBIDDEN.search(text) for text in texts):
        raise ValidationError(
            _(
                "This PDF contains scripts, actions or attached files, which are not accepted. "
                "Scan or print the signed form to a plain PDF and upload that."
            ),
            code="active_content",
        )
    pages = sum(len(PAGE.findall(text)) for text in texts)
    if not 1 <= pages <= MAX_PAGES:
        raise ValidationError(
            _("The PDF must have between 1 and %(max)s pages.") % {"max": MAX_PAGES}, "pages"
        )
    return pages
