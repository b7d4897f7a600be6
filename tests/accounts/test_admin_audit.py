"""The Django admin writes to the audit log: old and new values, never a password."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.constants import AuditAction, AuditKind
from accounts.models import AuditEntry, User
from tests.conftest import verified_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    return verified_client(UserFactory(is_staff=True, is_superuser=True))


def test_adding_a_user_is_audited_without_the_password(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "nieuwe.medewerker",
            "usable_password": "true",
            "password1": "Een-lang-Geheim-2026!",
            "password2": "Een-lang-Geheim-2026!",
            "lidmaatschappen-TOTAL_FORMS": "0",
            "lidmaatschappen-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(kind=AuditKind.GEBRUIKER, action=AuditAction.CREATE)
    assert entry.object_id == str(User.objects.get(username="nieuwe.medewerker").pk)
    assert entry.changes["username"] == {"old": None, "new": "nieuwe.medewerker"}
    assert "Een-lang-Geheim-2026!" not in str(entry.changes)
    assert entry.changes["password1"] == {"old": "••••", "new": "••••"}


def test_deleting_a_group_in_the_admin_is_audited(admin_client, world):
    url = reverse("admin:groepen_groep_delete", args=[world.groep.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    entry = AuditEntry.objects.get(kind=AuditKind.GROEP, action=AuditAction.DELETE)
    assert entry.organisatie == world.organisatie and entry.object_repr == world.groep.naam


def test_staff_never_see_an_authenticator_secret(admin_client):
    device = UserFactory(with_totp_device=True).totpdevice_set.get()
    for view in ("config", "qrcode"):
        url = reverse(f"admin:otp_totp_totpdevice_{view}", args=[device.pk])
        assert admin_client.get(url).status_code == 403


def test_a_password_changed_in_the_admin_is_audited_and_mailed(
    admin_client, world, django_capture_on_commit_callbacks
):
    """ASVS finding 9: the admin's password change writes an audit row like the portal's, and
    the person hears of it."""
    user = world.beheerder.user
    before = AuditEntry.objects.filter(message="password changed").count()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:auth_user_password_change", args=[user.pk]),
            {
                "password1": "Een-heel-nieuw-wachtwoord-77",
                "password2": "Een-heel-nieuw-wachtwoord-77",
            },
        )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Een-heel-nieuw-wachtwoord-77")
    rows = AuditEntry.objects.filter(message="password changed")
    assert rows.count() == before + 1
    entry = rows.latest("timestamp")
    assert entry.changes == {"password": {"old": "********", "new": "********"}}
    assert "Een-heel" not in str(entry.changes)
    assert [m.to for m in mail.outbox] == [[user.email]]
