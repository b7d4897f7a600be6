import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from goedkeuring.services import link_create
from tests.factories import KetenmachtigingFactory

PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def pdf_upload(content: bytes = PDF, name: str = "getekend.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def km(db):
    return KetenmachtigingFactory(
        relatie_contact_email="directie@relatie.nl", persoonlijk_bericht="Graag snel tekenen."
    )


@pytest.fixture
def token(km):
    return link_create(km=km)


def start_url(token: str) -> str:
    return reverse("goedkeuring:start", kwargs={"token": token})


def code_from_mail() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def verify(client: Client, token: str, capture) -> str:
    """Ask for a code and enter it; returns the code."""
    with capture(execute=True):
        client.post(reverse("goedkeuring:code_sturen", kwargs={"token": token}))
    code = code_from_mail()
    response = client.post(reverse("goedkeuring:code", kwargs={"token": token}), {"code": code})
    assert response.status_code == 302
    return code
