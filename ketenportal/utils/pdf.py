"""PDF rendering with WeasyPrint, restricted to our own static files.

WeasyPrint follows every URL in the HTML and CSS it renders: ``file://`` URLs read local files, and
``<link rel="attachment">`` embeds them in the PDF; ``http://`` URLs reach internal services. The
templates escape all user text, and on top of that the URL fetcher here serves only files found by
the staticfiles finders (or in STATIC_ROOT) under a fixed fake origin, plus ``data:`` URLs. Anything
else raises, which WeasyPrint logs as a warning before leaving the resource out.
"""

import base64
import mimetypes
import posixpath
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, unquote_to_bytes, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import translation

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

# Relative URLs in templates resolve against this origin. ``.invalid`` is reserved (RFC 2606), so
# even a fetcher that did go to the network could never reach a real host under it.
PDF_BASE_URL = "https://ketenportal.invalid/"

# Large enough for a stylesheet, a logo or a font; a bigger file is not meant for a PDF.
MAX_STATIC_BYTES = 5 * 1024 * 1024


class PDFResourceRefused(ValueError):
    """A URL the PDF renderer may not fetch. WeasyPrint catches it, logs it and skips it."""


def render_pdf(template_name: str, context: dict[str, Any], *, language: str = "nl") -> bytes:
    """Render a Django template to PDF bytes in ``language``."""
    # Imported here: WeasyPrint loads Pango and friends, which slows every process start
    # (manage.py, workers) that never renders a PDF.
    import weasyprint

    with translation.override(language):
        html = render_to_string(template_name, context)
    return weasyprint.HTML(
        string=html, base_url=PDF_BASE_URL, url_fetcher=pdf_url_fetcher()
    ).write_pdf()


def static_only_url_fetcher(
    url: str, timeout: float = 10, ssl_context: object = None
) -> "URLFetcherResponse":
    """Serve ``url`` if it is one of our static files or a ``data:`` URL; raise otherwise.

    ``timeout`` and ``ssl_context`` exist for the signature of WeasyPrint's fetcher; nothing here
    touches the network, so they are unused.
    """
    from weasyprint.urls import URLFetcherResponse

    if url[:5].lower() == "data:":
        mime_type, body = _decode_data_url(url)
        return URLFetcherResponse(url, body, {"Content-Type": mime_type})

    path = _static_file_path(url)
    size = path.stat().st_size
    if size > MAX_STATIC_BYTES:
        raise PDFResourceRefused(f"Static file too large for a PDF: {url}")
    mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    headers = {"Content-Type": mime_type}
    if mime_type.startswith("text/"):
        # Our static text files are UTF-8; saying so keeps WeasyPrint from guessing.
        headers["Content-Type"] = f"{mime_type}; charset=utf-8"
    return URLFetcherResponse(url, path.read_bytes(), headers)


def pdf_url_fetcher() -> "URLFetcher":
    """A WeasyPrint 70 fetcher object that delegates every request to static_only_url_fetcher.

    WeasyPrint 70 expects an instance of ``weasyprint.urls.URLFetcher`` (it reads private
    attributes of the fetcher when a fetch fails); a plain function breaks the render on the first
    refused URL. ``fetch`` is overridden, so none of urllib's handlers (file, http, ftp) is used.
    """
    from weasyprint.urls import URLFetcher

    class StaticOnlyURLFetcher(URLFetcher):
        def fetch(self, url: str, headers: object = None) -> "URLFetcherResponse":
            return static_only_url_fetcher(url, timeout=self._timeout)

    # fail_on_errors=False: a refused URL is left out with a warning, the PDF still renders.
    return StaticOnlyURLFetcher(fail_on_errors=False)


def _static_prefix() -> str:
    """``https://ketenportal.invalid/static/``: where ``{% static %}`` URLs point in a PDF."""
    return urljoin(PDF_BASE_URL, settings.STATIC_URL)


def _static_file_path(url: str) -> Path:
    """Resolve a static URL under the fake origin to a file inside a static folder, or raise."""
    prefix = urlsplit(_static_prefix())
    parts = urlsplit(url)
    # Compare origin and path separately: string prefixes would let "https://ketenportal.invalid
    # @evil/" or "https://ketenportal.invalid.evil/" through.
    if (parts.scheme.lower(), parts.netloc.lower()) != (prefix.scheme, prefix.netloc):
        raise PDFResourceRefused(f"Not our static origin: {url}")
    if parts.username or parts.password or parts.port:
        raise PDFResourceRefused(f"Not our static origin: {url}")
    if not parts.path.startswith(prefix.path):
        raise PDFResourceRefused(f"Not under STATIC_URL: {url}")

    name = unquote(parts.path[len(prefix.path) :])
    # Decoded first, so "%2e%2e/" and "..%2f" are caught as well. Backslashes and NUL bytes have
    # no place in our static file names.
    if (
        not name
        or "\\" in name
        or "\x00" in name
        or name.startswith("/")
        or ".." in name.split("/")
        or posixpath.normpath(name) != name
    ):
        raise PDFResourceRefused(f"Unsafe static path: {url}")

    found = _find_static(name)
    if found is None:
        raise PDFResourceRefused(f"No such static file: {url}")
    # Even a path the finders accept must not leave the static folders, e.g. through a symlink.
    real = Path(found).resolve()
    if not any(real.is_relative_to(root) for root in _static_roots()):
        raise PDFResourceRefused(f"Static file outside the static folders: {url}")
    if not real.is_file():
        raise PDFResourceRefused(f"Not a static file: {url}")
    return real


def _find_static(name: str) -> str | None:
    """The source file via the finders (development, tests), else the collected file.

    In production ``{% static %}`` yields hashed names (``pdf.3f2a….css``) that exist only in
    STATIC_ROOT, so the storage is asked as well.
    """
    try:
        found = finders.find(name)
        if found:
            return str(found)
        if hasattr(staticfiles_storage, "path") and staticfiles_storage.exists(name):
            return staticfiles_storage.path(name)
    except (SuspiciousFileOperation, NotImplementedError, ValueError):
        return None
    return None


def _static_roots() -> list[Path]:
    """Every folder the static files may come from: finder locations and STATIC_ROOT."""
    roots: list[Path] = []
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.append(Path(location).resolve())
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


def _decode_data_url(url: str) -> tuple[str, bytes]:
    """Decode ``data:[<mediatype>][;base64],<data>`` (RFC 2397) without any URL handler."""
    header, sep, data = url[5:].partition(",")
    if not sep:
        raise PDFResourceRefused("Malformed data: URL")
    params = header.split(";")
    is_base64 = params[-1].strip().lower() == "base64"
    if is_base64:
        params = params[:-1]
    mime_type = params[0].strip() or "text/plain"
    raw = unquote_to_bytes(data)
    if is_base64:
        try:
            raw = base64.b64decode(raw, validate=False)
        except ValueError as exc:
            raise PDFResourceRefused("Malformed base64 in data: URL") from exc
    return mime_type, raw
