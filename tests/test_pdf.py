"""PDF rendering: the Ketenmachtiging form, and the URL fetcher that keeps WeasyPrint in our static
files (security.md row 19: markup in any field shown in a PDF is escaped, nothing is fetched, no
file is embedded).

No database needed: the form is rendered from a plain context.
"""

import base64
import datetime
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

from ketenportal.utils import pdf as pdf_module
from ketenportal.utils.pdf import (
    PDFResourceRefused,
    pdf_url_fetcher,
    render_pdf,
    static_only_url_fetcher,
)
from ketenportal.utils.qr import qr_data_uri

TEMPLATE = "pdf/ketenmachtiging_formulier.html"
STATIC_PREFIX = "https://ketenportal.invalid/static/"

HOSTILE = [
    '<img src="file:///etc/passwd">',
    '<img src="http://127.0.0.1:6379/">',
    '<a href="file:///etc/passwd">x</a>',
]

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed"
)


def form_context(**overrides: object) -> dict:
    """A complete context for the form, as the view builds it."""
    context = {
        "kenmerk": "KM-7K3F-Q9PD",
        "qr_data_uri": qr_data_uri("KM-7K3F-Q9PD"),
        "platform": {
            "naam": "Z login",
            "postadres": ["Antwoordnummer 1234", "1000 AB Amsterdam"],
            "website": "https://www.zlogin.example",
            "support_email": "support@zlogin.example",
        },
        "intermediair": {
            "naam": "Administratiekantoor De Boer B.V.",
            "kvk_nummer": "12345678",
            "adres": "Stationsplein 1",
            "postcode_plaats": "3511 ED Utrecht",
        },
        "relatie": {
            "naam": "Bakkerij Jansen V.O.F.",
            "kvk_nummer": "87654321",
            "rsin": "",
            "adres": "Dorpsstraat 12",
            "postcode_plaats": "1234 AB Ergens",
            "land": "Nederland",
        },
        "contact_intermediair": {
            "naam": "Petra de Boer",
            "email": "petra@deboer.example",
            "telefoon": "030 123 4567",
        },
        "contact_relatie": {
            "naam": "Jan Jansen",
            "email": "jan@bakkerij.example",
            "telefoon": "06 12345678",
        },
        "algemene_bevoegdheid": False,
        "dienstverleners": ["Belastingdienst"],
        "diensten": [
            {
                "naam": "Aangifte loonheffingen",
                "dienstverlener": "Belastingdienst",
                "niveau": "EH 3",
            },
            {"naam": "Ziekmelden", "dienstverlener": "UWV", "niveau": "EH 3"},
        ],
        "scope_text": "1 dienstverlener en 2 diensten",
        "looptijd_jaren": 5,
        "verstuurd_op": datetime.date(2025, 8, 28),
        "uiterste_datum": datetime.date(2025, 11, 28),
        "tarief": "€ 12,50",
    }
    context.update(overrides)
    return context


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return result.stdout.decode("utf-8")


def squash(text: str) -> str:
    """Text without whitespace: table cells wrap long values at arbitrary points."""
    return re.sub(r"\s+", "", text)


def all_pdf_bytes(data: bytes) -> bytes:
    """The PDF with its Flate streams inflated: object streams can hide dictionary keys."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.DOTALL):
        try:
            parts.append(zlib.decompressobj().decompress(match.group(1)))
        except zlib.error:
            pass  # not a Flate stream (images, fonts in other encodings)
    return b"\n".join(parts)


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every URL WeasyPrint asks the fetcher for during the test."""
    urls: list[str] = []
    real = pdf_module.static_only_url_fetcher

    def recording(url: str, *args: object, **kwargs: object):
        urls.append(url)
        return real(url, *args, **kwargs)

    monkeypatch.setattr(pdf_module, "static_only_url_fetcher", recording)
    return urls


# --- The form -------------------------------------------------------------------------------


@needs_poppler
@pytest.mark.parametrize("language", ["nl", "en"])
def test_form_renders_with_the_request_details(language: str, tmp_path: Path, fetched: list[str]):
    data = render_pdf(TEMPLATE, form_context(), language=language)

    assert data.startswith(b"%PDF")
    text = pdf_text(data, tmp_path)
    for expected in (
        "Bakkerij Jansen V.O.F.",
        "Administratiekantoor De Boer B.V.",
        "KM-7K3F-Q9PD",
        "28-11-2025",
        "Antwoordnummer 1234",
        "Aangifte loonheffingen",
    ):
        assert expected in text, expected
    # Our stylesheet and the QR code were loaded, and nothing else.
    assert STATIC_PREFIX + "css/pdf.css" in fetched
    assert any(url.startswith("data:image/svg+xml;base64,") for url in fetched)
    assert all(url.startswith((STATIC_PREFIX, "data:")) for url in fetched)


@needs_poppler
def test_english_form_is_in_english(tmp_path: Path):
    text = pdf_text(render_pdf(TEMPLATE, form_context(), language="en"), tmp_path)

    assert "Attach a copy of the identity document of each signatory" in text
    assert "Signatory 1" in text


@needs_poppler
def test_general_authority_and_single_year(tmp_path: Path):
    context = form_context(
        algemene_bevoegdheid=True, dienstverleners=[], diensten=[], looptijd_jaren=1
    )
    text = squash(pdf_text(render_pdf(TEMPLATE, context, language="en"), tmp_path))

    assert squash("all services that can be used with eHerkenning") in text
    assert squash("valid for 1 year from") in text


@needs_poppler
def test_fiscal_number_shown_without_kvk_number(tmp_path: Path):
    relatie = form_context()["relatie"] | {"kvk_nummer": "", "rsin": "002564440"}
    text = pdf_text(render_pdf(TEMPLATE, form_context(relatie=relatie), language="en"), tmp_path)

    assert "002564440" in text


def test_form_has_no_embedded_files_or_actions():
    data = render_pdf(TEMPLATE, form_context(), language="nl")

    inflated = all_pdf_bytes(data)
    assert b"/EmbeddedFile" not in inflated
    assert b"/Launch" not in inflated
    assert b"/JavaScript" not in inflated


# --- Hostile values -------------------------------------------------------------------------


@needs_poppler
def test_markup_in_fields_is_printed_as_text_and_never_fetched(tmp_path: Path, fetched: list[str]):
    base = form_context()
    context = form_context(
        relatie=base["relatie"] | {"naam": HOSTILE[0], "adres": HOSTILE[2]},
        contact_relatie={"naam": HOSTILE[1], "email": HOSTILE[2], "telefoon": HOSTILE[0]},
        contact_intermediair=base["contact_intermediair"] | {"naam": HOSTILE[2]},
        diensten=[{"naam": HOSTILE[1], "dienstverlener": HOSTILE[0], "niveau": "EH 3"}],
        dienstverleners=[HOSTILE[2]],
        scope_text=HOSTILE[0],
        tarief=HOSTILE[1],
    )

    data = render_pdf(TEMPLATE, context, language="nl")

    text = squash(pdf_text(data, tmp_path))
    for value in HOSTILE:
        assert squash(value) in text, value
    assert "root:" not in text  # nothing of /etc/passwd
    assert all(url.startswith((STATIC_PREFIX, "data:")) for url in fetched), fetched
    assert not [url for url in fetched if "passwd" in url or "6379" in url]
    inflated = all_pdf_bytes(data)
    assert b"/EmbeddedFile" not in inflated
    assert b"/Launch" not in inflated


def test_injected_html_cannot_fetch_or_embed(fetched: list[str]):
    """Even markup that reached WeasyPrint unescaped gets nothing: the fetcher refuses, the PDF
    still renders (WeasyPrint 70 needs a URLFetcher instance for that, not a function)."""
    import weasyprint

    html = """
        <link rel="stylesheet" href="http://127.0.0.1:6379/">
        <link rel="attachment" href="file:///etc/passwd">
        <a rel="attachment" href="/etc/passwd">x</a>
        <img src="file:///etc/passwd"><img src="/etc/passwd"><img src="../../../../etc/passwd">
        <img src="http://127.0.0.1:6379/"><img src="https://ketenportal.invalid/static/../settings.py">
        <p style="background: url(file:///etc/hostname)">text</p>
    """
    data = weasyprint.HTML(
        string=html, base_url=pdf_module.PDF_BASE_URL, url_fetcher=pdf_url_fetcher()
    ).write_pdf()

    assert data.startswith(b"%PDF")
    assert fetched  # WeasyPrint did ask; every answer was a refusal
    inflated = all_pdf_bytes(data)
    assert b"/EmbeddedFile" not in inflated
    assert b"root:x:0:0" not in inflated


# --- The fetcher on its own -----------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1:6379/",
        "https://127.0.0.1:6379/static/css/pdf.css",
        "https://example.com/static/css/pdf.css",
        "http://ketenportal.invalid/static/css/pdf.css",
        "https://ketenportal.invalid:8443/static/css/pdf.css",
        "https://user@ketenportal.invalid/static/css/pdf.css",
        "https://ketenportal.invalid.example.com/static/css/pdf.css",
        "https://ketenportal.invalid/etc/passwd",
        "https://ketenportal.invalid/static/../../etc/passwd",
        "https://ketenportal.invalid/static/%2e%2e/%2e%2e/etc/passwd",
        "https://ketenportal.invalid/static/css/..%2f..%2fketenportal%2fsettings%2fbase.py",
        "https://ketenportal.invalid/static//etc/passwd",
        "https://ketenportal.invalid/static/%2fetc%2fpasswd",
        "https://ketenportal.invalid/static/css\\..\\..\\manage.py",
        "https://ketenportal.invalid/static/css/does-not-exist.css",
        "https://ketenportal.invalid/static/",
        "https://ketenportal.invalid/static/css",
        "ftp://ketenportal.invalid/static/css/pdf.css",
        "/etc/passwd",
        "../../etc/passwd",
    ],
)
def test_fetcher_refuses(url: str):
    # WeasyPrint skips a URL on any exception; ours names the reason in its warning.
    with pytest.raises(PDFResourceRefused):
        static_only_url_fetcher(url)


def test_fetcher_serves_our_stylesheet():
    response = static_only_url_fetcher(STATIC_PREFIX + "css/pdf.css")

    body = response.read()
    assert b"@page" in body
    assert response.content_type == "text/css"
    assert body == (Path(__file__).resolve().parent.parent / "static/css/pdf.css").read_bytes()


def test_fetcher_decodes_data_urls():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"/>'
    encoded = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()

    response = static_only_url_fetcher(encoded)
    assert response.read() == svg
    assert response.content_type == "image/svg+xml"

    plain = static_only_url_fetcher("data:text/plain,hello%20world")
    assert plain.read() == b"hello world"


def test_qr_data_uri_is_an_svg():
    uri = qr_data_uri("KM-7K3F-Q9PD")

    prefix = "data:image/svg+xml;base64,"
    assert uri.startswith(prefix)
    assert base64.b64decode(uri[len(prefix) :]).lstrip().startswith(b"<svg")
