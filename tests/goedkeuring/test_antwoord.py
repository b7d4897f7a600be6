"""The contact's answer: approve online with a signed PDF, decline, or download to post it;
the back office's queue and download; the intermediair's timeline; retention."""

import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AuditEntry
from berichtenbox.models import Bericht
from goedkeuring.jobs import sweep_uploads
from goedkeuring.models import Gebeurtenis, Ondertekening
from ketenmachtigingen.jobs import run_sweeps
from ketenmachtigingen.services import backoffice_approve
from tests.conftest import verified_client
from tests.factories import KetenmachtigingFactory, UserFactory

from .conftest import PDF, pdf_upload, start_url, verify

pytestmark = pytest.mark.django_db

SIGNATORY = {"naam_1": "J. de Vries", "functie_1": "Directeur", "email_1": "j@relatie.nl"}


def approve(client, token, bestand, **extra):
    data = {**SIGNATORY, "verklaring": "on", "bestand": bestand, **extra}
    return client.post(reverse("goedkeuring:goedkeuren", kwargs={"token": token}), data)


@pytest.fixture
def contact(token, django_capture_on_commit_callbacks):
    client = Client()
    verify(client, token, django_capture_on_commit_callbacks)
    return client


def stored_files() -> list[Path]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_approve_online(km, token, contact):
    response = approve(contact, token, pdf_upload())
    assert response.status_code == 302
    assert response["Location"] == reverse("goedkeuring:klaar")
    assert contact.get(response["Location"]).status_code == 200
    km.refresh_from_db()
    assert km.status == "aanvraag_ontvangen" and km.kanaal == "digitaal"
    ondertekening = Ondertekening.objects.get(ketenmachtiging=km)
    assert ondertekening.ondertekenaars == [
        {"naam": "J. de Vries", "functie": "Directeur", "email": "j@relatie.nl"}
    ]
    assert ondertekening.paginas == 1
    # Stored outside MEDIA_ROOT, under PRIVATE_MEDIA_ROOT.
    [path] = stored_files()
    assert path.read_bytes() == PDF
    assert not str(path).startswith(str(settings.MEDIA_ROOT))
    assert Gebeurtenis.objects.filter(ketenmachtiging=km, soort="geupload").exists()
    entry = AuditEntry.objects.get(message="signed form uploaded online")
    assert entry.actor is None and entry.organisatie == km.intermediair
    # The link is used up.
    assert contact.get(start_url(token)).status_code == 404


@pytest.mark.parametrize(
    "content, name",
    [
        (b"PK\x03\x04 not a pdf at all", "form.pdf"),
        (
            PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction 4 0 R /JS (app.alert(1))"),
            "f.pdf",
        ),
        (
            PDF.replace(b"/Type /Catalog", b"/Type /Catalog /Names << /J#61vaScript 5 0 R >>"),
            "f.pdf",
        ),
        (
            PDF.replace(
                b"trailer",
                b"4 0 obj << /Filter /FlateDecode >> stream\n"
                + zlib.compress(b"<< /Type /EmbeddedFile >>")
                + b"\nendstream endobj\ntrailer",
            ),
            "f.pdf",
        ),
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "no-pages.pdf"),
        (PDF[:-7], "truncated.pdf"),
    ],
)
def test_refused_uploads_store_nothing(km, token, contact, content, name):
    response = approve(contact, token, pdf_upload(content, name))
    assert response.status_code == 400
    assert response.context["form"].errors["bestand"]
    km.refresh_from_db()
    assert km.status == "aanvraag_verstuurd"
    assert not Ondertekening.objects.exists() and not stored_files()


def test_too_big_is_refused_before_reading(km, token, contact):
    big = PDF[:-6] + b" " * (10 * 1024 * 1024) + b"%%EOF\n"
    response = approve(contact, token, pdf_upload(big))
    assert response.status_code == 400
    assert "10 MB" in str(response.context["form"].errors["bestand"])
    assert not stored_files()


def test_signatory_and_declaration_are_required(km, token, contact):
    response = contact.post(
        reverse("goedkeuring:goedkeuren", kwargs={"token": token}), {"bestand": pdf_upload()}
    )
    form = response.context["form"]
    assert response.status_code == 400 and "verklaring" in form.errors and form.non_field_errors()
    response = approve(contact, token, pdf_upload(), email_1="")
    assert "email_1" in response.context["form"].errors
    assert not stored_files()


def test_decline_tells_the_intermediair(km, token, contact, beheerder, organisatie):
    km.intermediair = organisatie
    km.save()
    response = contact.post(
        reverse("goedkeuring:afwijzen", kwargs={"token": token}), {"reden": "Geen klant meer"}
    )
    assert response.status_code == 302
    km.refresh_from_db()
    assert km.status == "afgewezen" and km.kanaal == "digitaal"
    assert km.status_reden == "Geen klant meer"
    assert Bericht.objects.filter(organisatie=km.intermediair).exists()
    assert Gebeurtenis.objects.filter(ketenmachtiging=km, soort="afgewezen").exists()
    assert contact.get(start_url(token)).status_code == 404


def test_post_it_downloads_the_form(km, token, contact):
    page = contact.get(start_url(token)).content.decode()
    assert settings.PLATFORM_POSTADRES[0] in page
    response = contact.get(reverse("goedkeuring:formulier", kwargs={"token": token}))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert Gebeurtenis.objects.filter(ketenmachtiging=km, soort="per_post").exists()


def test_staff_download_and_queue(km, token, contact, world):
    approve(contact, token, pdf_upload())
    url = reverse("goedkeuring:upload", kwargs={"pk": km.pk})
    staff = verified_client(UserFactory(is_staff=True))
    response = staff.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    assert verified_client(world.beheerder.user).get(url).status_code == 403
    assert Client().get(url).status_code == 302  # to the login
    assert staff.get(reverse("goedkeuring:upload", kwargs={"pk": world.km.pk})).status_code == 404
    queue = staff.get(reverse("ketenmachtigingen:backoffice") + "?status=digitaal")
    assert list(queue.context["aanvragen"]) == [km]
    detail = staff.get(reverse("ketenmachtigingen:backoffice_detail", args=[km.pk]))
    assert "J. de Vries" in detail.content.decode() and url in detail.content.decode()


def test_timeline_on_the_intermediairs_detail_page(km, token, contact, beheerder, organisatie):
    km.intermediair = organisatie
    km.save()
    approve(contact, token, pdf_upload())
    backoffice_approve(actor=UserFactory(is_staff=True), km=km)
    response = verified_client(beheerder).get(km.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    from django.utils import translation

    with translation.override("nl"):
        labels = [str(Gebeurtenis.Soort(s).label) for s in ("code_geverifieerd", "geupload")]
        labels.append(_("Back office: %(status)s") % {"status": _("Active")})
    for label in labels:
        assert label in page


def test_uploads_are_deleted_after_the_retention(km, token, contact):
    approve(contact, token, pdf_upload())
    backoffice_approve(actor=UserFactory(is_staff=True), km=km)
    assert sweep_uploads() == 0 and stored_files()
    later = timezone.now() + timedelta(days=settings.UPLOAD_RETENTION_DAYS + 1)
    assert run_sweeps(later)["goedkeuring_bestanden"] == 1
    assert not stored_files()
    assert Ondertekening.objects.get().bestand_verwijderd_op is not None
    assert sweep_uploads(later) == 0


def test_pending_digital_row_shows_the_channel(db):
    from ketenmachtigingen.rows import status_badge

    km = KetenmachtigingFactory(ontvangen=True, kanaal="digitaal")
    assert "(" in status_badge(km, timezone.localdate())[1]


def test_the_thank_you_page_speaks_the_language_of_the_answer(km, token, contact):
    """Seen in the browser walk: a Dutch contact's thank-you page came in English (the
    browser's language), because the link no longer resolves after the answer."""
    assert km.taal == "nl"
    response = approve(contact, token, pdf_upload(), HTTP_ACCEPT_LANGUAGE="en")
    page = contact.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Bedankt" in page and "Thank you" not in page
