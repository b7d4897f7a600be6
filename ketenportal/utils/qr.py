"""QR codes for printed forms.

The Ketenmachtiging form carries its reference as a QR code so the post room can scan incoming
forms instead of typing the reference. The code is an SVG inside a ``data:`` URI: the PDF renderer
may only fetch our own static files and ``data:`` URLs, and vector output stays sharp when printed.
"""

import base64

import qrcode
from qrcode.image.svg import SvgPathImage


def qr_data_uri(text: str) -> str:
    """Return ``text`` as a QR code in a ``data:image/svg+xml;base64,...`` URI."""
    # Medium error correction survives a smudged or folded print; a reference is short, so the
    # symbol stays small. border=4 is the quiet zone the QR standard requires for scanning.
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    svg: bytes = qr.make_image(image_factory=SvgPathImage).to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
