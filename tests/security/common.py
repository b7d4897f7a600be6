"""Shared pieces of the security walkers (tests/security/).

* ``classify(url)``: the access rule a URL must enforce, derived from its view class where possible.
* ``snapshot()``: every row of the app models, to prove that a request changed nothing.
* ``rolled_back()``: each walked request runs in a savepoint that is rolled back, so one URL's
  side effects (a deleted group, an ended ketenmachtiging) never change what the next URL sees,
  and a failure names the URL that caused it.
* ``fetch()`` / ``body_text()``: a response with its body read, also for streamed downloads, and
  as text: CSV, XLSX (every cell) and PDF (``pdftotext``).
"""

import io
import subprocess
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.mixins import (
    BeheerderRequiredMixin,
    KetenmachtigingAccessMixin,
    OrganisatieRequiredMixin,
    StaffRequiredMixin,
)
from tests.conftest import verified_client
from tests.factories import UserFactory
from tests.url_walker import PUBLIC, NamedUrl, named_urls

# --- Who may open what ------------------------------------------------------------------------

#: Views that any logged-in person with a verified second factor may open, whatever their role
#: or organisation. Each one only ever shows or changes the person's *own* things; the reason is
#: part of the allowlist. A view that needs an organisation, a role or staff must use one of the
#: mixins of ``accounts.mixins`` instead of appearing here.
ANY_VERIFIED_USER: dict[str, str] = {
    "home": "the start page: the person's own organisations and the menu for their role",
    "accounts:profiel": "Mijn profiel: the person's own details, means and login history",
    "accounts:password_change": "changes the person's own password",
    "accounts:organisatie_switch": "picks one of the person's own memberships (checked in the view)",
    "accounts:logout": "ends the person's own session",
    "accounts:verify": "the token step; a verified person is sent on to a page inside the site",
    "accounts:reauth": "the person's own password again; sends on to a page inside the site",
    "two_factor:profile": "the person's own second-factor devices",
    "two_factor:backup_tokens": "the person's own backup codes",
    "two_factor:setup": "enrolment; a person who has a device is sent to setup_complete",
    "two_factor:qr": "the QR code of the person's own enrolment in progress",
    "two_factor:setup_complete": "the confirmation after the person's own enrolment",
    "accounts:passkeys": "the person's own passkeys (a recent password first)",
    "otp_webauthn:credential-registration-begin": "starts registering a passkey for the person",
    "otp_webauthn:credential-registration-complete": "saves the person's new passkey",
    "two_factor:phone_create": "adds a backup phone number to the person's own account",
    "two_factor:phone_delete": "removes one of the person's own backup phone numbers (POST)",
}

#: From most to least specific: a KetenmachtigingAccessMixin view is also a Beheerder view.
MIXIN_CLASSES = (
    (StaffRequiredMixin, "staff"),
    (KetenmachtigingAccessMixin, "ketenmachtiging"),
    (BeheerderRequiredMixin, "beheerder"),
    (OrganisatieRequiredMixin, "organisatie"),
)
CLASSES = ("public", "admin", "staff", "ketenmachtiging", "beheerder", "organisatie", "verified")


def view_class(url: NamedUrl) -> type | None:
    return getattr(url.callback, "view_class", None)


def classify(url: NamedUrl) -> str | None:
    """The access rule ``url`` must enforce, or None: a URL nobody classified."""
    if url.name in PUBLIC:
        return "public"
    if url.is_admin:
        return "admin"  # staff only, enforced by Django's admin site
    cls = view_class(url)
    if cls is not None:
        for mixin, name in MIXIN_CLASSES:
            if issubclass(cls, mixin):
                return name
    if url.name in ANY_VERIFIED_USER:
        return "verified"
    return None


def urls_of(*classes: str) -> list[NamedUrl]:
    return [u for u in named_urls() if classify(u) in classes]


# --- Database snapshots -----------------------------------------------------------------------

SNAPSHOT_APPS = (
    "accounts",
    "diensten",
    "groepen",
    "abonnementen",
    "ketenmachtigingen",
    "berichtenbox",
    "api",
)
#: Second-factor devices: a GET must not confirm, add or remove one either.
SNAPSHOT_EXTRA_MODELS = (
    "otp_totp.totpdevice",
    "otp_static.staticdevice",
    "otp_static.statictoken",
    "phonenumber.phonedevice",
    "django_otp_webauthn.webauthncredential",
)
#: Columns that change by merely using the site, not by a change of data.
VOLATILE = {"accounts.user": {"last_login"}, "api.apikey": {"laatst_gebruikt_op"}}


def _snapshot_models() -> list:
    models = []
    for label in SNAPSHOT_APPS:
        models += list(apps.get_app_config(label).get_models(include_auto_created=True))
    models += [apps.get_model(label) for label in SNAPSHOT_EXTRA_MODELS]
    return models


Snapshot = dict[str, dict[Any, dict]]


def snapshot(ignore: dict[str, set[str]] | None = None) -> Snapshot:
    """All rows of the app models (and their many-to-many tables): ``values()`` by primary key."""
    ignore = ignore or {}
    data = {}
    for model in _snapshot_models():
        label = model._meta.label_lower
        skip = VOLATILE.get(label, set()) | ignore.get(label, set())
        pk = model._meta.pk.attname
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
        data[label] = {row[pk]: row for row in model._default_manager.values(*fields)}
    return data


def snapshot_diff(before: Snapshot, after: Snapshot) -> list[str]:
    """Readable differences between two snapshots (empty when equal)."""
    lines = []
    for label in sorted(set(before) | set(after)):
        old, new = before.get(label, {}), after.get(label, {})
        for pk in sorted(set(old) - set(new)):
            lines.append(f"{label} #{pk} deleted")
        for pk in sorted(set(new) - set(old)):
            lines.append(f"{label} #{pk} created: {new[pk]}")
        for pk in sorted(set(old) & set(new)):
            if old[pk] != new[pk]:
                changed = {
                    k: (v, new[pk].get(k)) for k, v in old[pk].items() if v != new[pk].get(k)
                }
                lines.append(f"{label} #{pk} changed: {changed}")
    return lines


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run the block in a savepoint and undo everything it wrote."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# --- Requests and responses -------------------------------------------------------------------


def client_for(user=None, *, verified: bool = True, **kwargs) -> Client:
    """A client that returns 500s as responses (so a walker reports the URL) instead of raising."""
    client = Client(raise_request_exception=False, **kwargs)
    if user is None:
        return client
    if verified:
        return verified_client(user, client=client)
    client.force_login(user)
    return client


def read_body(response) -> bytes:
    if getattr(response, "streaming", False):
        # The test client closes a streamed response when its content is used up (with the
        # connection-closing signal held back); closing it again here would close the
        # database connection in the middle of the test on PostgreSQL.
        return b"".join(response.streaming_content)
    return response.content


def fetch(client: Client, method: str, path: str, data: Any = None, **extra):
    """``client.get/post`` with the body read at once (streams run their queries now)."""
    response = getattr(client, method)(path, data if data is not None else {}, **extra)
    response.body = read_body(response)
    return response


def pdf_text(content: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=content, capture_output=True, check=True, timeout=60
    ).stdout.decode()


def xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content), read_only=True)
    cells = []
    for sheet in workbook.worksheets:
        cells.append(sheet.title)
        for row in sheet.iter_rows(values_only=True):
            cells += ["" if value is None else str(value) for value in row]
    return "\n".join(cells)


def body_text(response) -> str:
    """The response body as text, whatever the format."""
    content = response.body if hasattr(response, "body") else read_body(response)
    content_type = response.get("Content-Type", "")
    if "pdf" in content_type:
        return pdf_text(content)
    if "spreadsheetml" in content_type:
        return xlsx_text(content)
    return content.decode("utf-8", "replace")


def describe(url_name: str, method: str, response) -> str:
    text = f"{url_name} {method.upper()} -> {response.status_code}"
    if response.get("Location"):
        text += f" Location={response['Location']}"
    exc_info = getattr(response, "exc_info", None)
    if exc_info:
        text += f" raised {exc_info[1]!r}"
    return text


def location_path(response) -> str:
    return urlsplit(response.get("Location", "")).path


LOGIN = reverse("two_factor:login")


def redirects_to_login(response) -> bool:
    return response.status_code == 302 and location_path(response) == LOGIN


def is_inside_site(location: str) -> bool:
    """A redirect target that a browser resolves to this site: a path, no scheme or host."""
    if not location or location[0] != "/" or location.startswith(("//", "/\\")):
        return False
    if any(c in location for c in "\\\t\r\n"):
        return False
    parts = urlsplit(location)
    return not parts.scheme and not parts.netloc


# --- People -----------------------------------------------------------------------------------


@dataclass
class People:
    """Everyone the walkers act as, besides the World's beheerders and gebruikers."""

    staff: Any  # is_staff, no organisation: the back office
    superuser: Any  # staff and superuser: the Django admin
    laag: Any  # beheerder of A with an EH2+ means
    alleen_bd: Any  # beheerder of A whose EH3 means is for the Belastingdienst only
    zonder_organisatie: Any  # verified, member of nothing


def make_people(world) -> People:
    laag = UserFactory(eh2plus=True, with_totp_device=True, last_name="Laagniveau")
    world.organisatie.lidmaatschappen.create(user=laag, rol="beheerder")
    alleen_bd = UserFactory(belastingdienst_only=True, with_totp_device=True, last_name="Alleenbd")
    world.organisatie.lidmaatschappen.create(user=alleen_bd, rol="beheerder")
    return People(
        staff=UserFactory(is_staff=True, with_totp_device=True, last_name="Backoffice"),
        superuser=UserFactory(
            is_staff=True, is_superuser=True, with_totp_device=True, last_name="Superuser"
        ),
        laag=laag,
        alleen_bd=alleen_bd,
        zonder_organisatie=UserFactory(with_totp_device=True, last_name="Zonderorganisatie"),
    )


def failures(items: Iterable[str]) -> str:
    items = list(items)
    return f"{len(items)} problem(s):\n  " + "\n  ".join(items)
