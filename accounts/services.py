"""Writes of the accounts app: organisations, memberships and roles, profiles, login history,
second factors and backup codes.

Every function takes the acting user as ``actor``, runs in one transaction, locks what it
changes and writes the audit row in that same transaction.
"""

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from two_factor.plugins.phonenumber.models import PhoneDevice

from ketenportal.exceptions import DomainError
from ketenportal.utils.text import zin

from . import notifications
from .audit import audit_log, diff, snapshot
from .constants import AuditAction, AuditKind, LoginResult, Rol, SecondFactorUsed
from .models import Lidmaatschap, LoginEvent, Organisatie, User

PROFILE_FIELDS = ("email", "telefoonnummer", "taal", "email_berichten", "weekoverzicht")
BACKUP_CODE_COUNT = 10


class LastBeheerderError(DomainError):
    pass


def _lock_organisatie(organisatie_id: int) -> Organisatie:
    # Serialises every change of an organisation's beheerders, so two concurrent removals
    # cannot both see "another beheerder is left".
    return Organisatie.objects.select_for_update().get(pk=organisatie_id)


def _ensure_other_beheerder(lidmaatschap: Lidmaatschap) -> None:
    others = (
        Lidmaatschap.objects.beheerders()
        .filter(organisatie_id=lidmaatschap.organisatie_id, user__is_active=True)
        .exclude(pk=lidmaatschap.pk)
    )
    if not others.exists():
        raise LastBeheerderError(
            zin(
                _(
                    "%(name)s is the only beheerder of %(organisatie)s. Every organisation needs "
                    "at least one beheerder: make someone else beheerder first."
                )
                % {"name": lidmaatschap.user, "organisatie": lidmaatschap.organisatie}
            ),
            code="last_beheerder",
        )


def organisatie_create(*, actor: User | None, **fields: str) -> Organisatie:
    with transaction.atomic():
        organisatie = Organisatie(**fields)
        organisatie.full_clean()
        organisatie.save()
        audit_log(
            actor=actor,
            organisatie=organisatie,
            action=AuditAction.CREATE,
            kind=AuditKind.ORGANISATIE,
            obj=organisatie,
            changes=diff({}, snapshot(organisatie, fields)),
        )
    return organisatie


def lidmaatschap_create(
    *, actor: User | None, user: User, organisatie: Organisatie, rol: str = Rol.GEBRUIKER
) -> Lidmaatschap:
    with transaction.atomic():
        _lock_organisatie(organisatie.pk)
        if Lidmaatschap.objects.filter(user=user, organisatie=organisatie).exists():
            raise DomainError(
                zin(
                    _("%(name)s is already a member of %(organisatie)s.")
                    % {"name": user, "organisatie": organisatie}
                ),
                code="duplicate",
            )
        lidmaatschap = Lidmaatschap.objects.create(user=user, organisatie=organisatie, rol=rol)
        audit_log(
            actor=actor,
            organisatie=organisatie,
            action=AuditAction.CREATE,
            kind=AuditKind.LIDMAATSCHAP,
            obj=lidmaatschap,
            changes={"rol": {"old": None, "new": rol}, "user": {"old": None, "new": str(user)}},
        )
    return lidmaatschap


def lidmaatschap_set_rol(*, actor: User, lidmaatschap: Lidmaatschap, rol: str) -> Lidmaatschap:
    if rol not in Rol.values:
        raise DomainError(_("Choose a valid role."), code="invalid_role")
    with transaction.atomic():
        _lock_organisatie(lidmaatschap.organisatie_id)
        lidmaatschap = Lidmaatschap.objects.select_for_update().get(pk=lidmaatschap.pk)
        if lidmaatschap.rol == rol:
            return lidmaatschap
        if lidmaatschap.rol == Rol.BEHEERDER:
            _ensure_other_beheerder(lidmaatschap)
        old = lidmaatschap.rol
        lidmaatschap.rol = rol
        lidmaatschap.save(update_fields=["rol"])
        audit_log(
            actor=actor,
            organisatie=lidmaatschap.organisatie,
            action=AuditAction.UPDATE,
            kind=AuditKind.LIDMAATSCHAP,
            obj=lidmaatschap,
            changes={"rol": {"old": old, "new": rol}},
        )
    return lidmaatschap


def lidmaatschap_remove(*, actor: User, lidmaatschap: Lidmaatschap) -> None:
    with transaction.atomic():
        _lock_organisatie(lidmaatschap.organisatie_id)
        lidmaatschap = Lidmaatschap.objects.select_for_update().get(pk=lidmaatschap.pk)
        if lidmaatschap.rol == Rol.BEHEERDER:
            _ensure_other_beheerder(lidmaatschap)
        audit_log(
            actor=actor,
            organisatie=lidmaatschap.organisatie,
            action=AuditAction.DELETE,
            kind=AuditKind.LIDMAATSCHAP,
            obj=lidmaatschap,
            changes={
                "rol": {"old": lidmaatschap.rol, "new": None},
                "user": {"old": str(lidmaatschap.user), "new": None},
            },
        )
        lidmaatschap.delete()


def user_update_profile(*, actor: User, user: User, **values: object) -> User:
    """Change what a person may change about themselves on Mijn profiel."""
    unknown = set(values) - set(PROFILE_FIELDS)
    if unknown:
        raise DomainError(_("These fields cannot be changed here."), code="readonly")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        before = snapshot(user, PROFILE_FIELDS)
        for field, value in values.items():
            setattr(user, field, value)
        user.full_clean(exclude=["password", "username"])
        changes = diff(before, snapshot(user, PROFILE_FIELDS))
        if not changes:
            return user
        user.save(update_fields=list(changes))
        _audit_person(actor=actor, user=user, kind=AuditKind.GEBRUIKER, changes=changes)
        if "email" in changes:
            notifications.security_change_mail(
                user, notifications.EMAIL_CHANGED, old_email=before["email"]
            )
    return user


def user_password_changed(*, actor: User, user: User) -> None:
    """Record a password change (the change itself is Django's form); values are never logged."""
    with transaction.atomic():
        _audit_person(
            actor=actor,
            user=user,
            kind=AuditKind.BEVEILIGING,
            changes={"password": {"old": "********", "new": "********"}},
            message="password changed",
        )
        notifications.security_change_mail(user, notifications.PASSWORD_CHANGED)


def user_password_reset(*, user: User) -> None:
    """Record a password set with a reset link (by the person, not logged in) and tell them."""
    with transaction.atomic():
        _audit_person(
            actor=user,
            user=user,
            kind=AuditKind.BEVEILIGING,
            changes={"password": {"old": "********", "new": "********"}},
            message="password reset",
        )
        notifications.security_change_mail(user, notifications.PASSWORD_RESET)


def user_second_factor_added(*, actor: User, user: User, device: Device) -> None:
    """Record a new second factor (django-two-factor-auth's setup saved it) and tell the person."""
    kind = SecondFactorUsed.SMS if isinstance(device, PhoneDevice) else SecondFactorUsed.TOTP
    with transaction.atomic():
        _audit_person(
            actor=actor,
            user=user,
            kind=AuditKind.BEVEILIGING,
            changes={"second_factor": {"old": None, "new": kind.value}},
            message="second factor added",
        )
        notifications.security_change_mail(user, notifications.SECOND_FACTOR_ADDED)


def _passkey_of(user: User, passkey_id: int):
    from django_otp_webauthn.models import WebAuthnCredential

    passkey = (
        WebAuthnCredential.objects.select_for_update().filter(user=user, pk=passkey_id).first()
    )
    if passkey is None:
        raise Http404
    return passkey


def user_passkey_added(*, actor: User, user: User, device: Device) -> None:
    """Name a new passkey (the library saved it), audit it and tell the person."""
    with transaction.atomic():
        count = type(device).objects.filter(user=user).count()
        if not device.name or device.name == "default":
            device.name = _("Passkey %(number)s") % {"number": count}
            device.save(update_fields=["name"])
        _audit_person(
            actor=actor,
            user=user,
            kind=AuditKind.BEVEILIGING,
            changes={"passkey": {"old": None, "new": device.name}},
            message="passkey added",
        )
        notifications.security_change_mail(user, notifications.PASSKEY_ADDED)


def user_passkey_rename(*, actor: User, user: User, passkey_id: int, name: str) -> None:
    with transaction.atomic():
        passkey = _passkey_of(user, passkey_id)
        old = passkey.name
        if old == name:
            return
        passkey.name = name[:64]
        passkey.save(update_fields=["name"])
        _audit_person(
            actor=actor,
            user=user,
            kind=AuditKind.BEVEILIGING,
            changes={"passkey": {"old": old, "new": passkey.name}},
            message="passkey renamed",
        )


def login_factors_of(user: User) -> int:
    """How many ways of passing the second factor a person has: authenticator apps, phone
    numbers and passkeys (backup codes are a way back in, not a factor of their own)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_otp_webauthn.models import WebAuthnCredential

    return sum(
        model.objects.filter(user=user, confirmed=True).count()
        for model in (TOTPDevice, PhoneDevice, WebAuthnCredential)
    )


def user_passkey_remove(*, actor: User, user: User, passkey_id: int) -> None:
    """Remove a passkey, never the person's last factor."""
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)  # one removal at a time
        passkey = _passkey_of(user, passkey_id)
        if login_factors_of(user) <= 1:
            raise DomainError(
                _(
                    "This passkey is your only second factor. Add another one first, then "
                    "remove this passkey."
                ),
                code="last_factor",
            )
        _audit_person(
            actor=actor,
            user=user,
            kind=AuditKind.BEVEILIGING,
            changes={"passkey": {"old": passkey.name, "new": None}},
            message="passkey removed",
        )
        passkey.delete()
        notifications.security_change_mail(user, notifications.PASSKEY_REMOVED)


def user_backup_phone_remove(*, actor: User, user: User, device_id: int) -> None:
    """Remove one of a person's backup phone numbers (never the device they log in with)."""
    with transaction.atomic():
        device = (
            PhoneDevice.objects.select_for_update()
            .filter(user=user, name="backup", pk=device_id)
            .first()
        )
        if device is None:
            raise Http404
        _audit_person(
            actor=actor,
            user=user,
            kind=AuditKind.BEVEILIGING,
            changes={"backup_phone": {"old": str(device.number)[:-4] + "****", "new": None}},
            message="backup phone removed",
        )
        device.delete()


def user_backup_codes_regenerate(*, actor: User, user: User) -> list[str]:
    """Replace all of a person's backup codes with new ones; returns them, to be shown once."""
    with transaction.atomic():
        # Two clicks at once must not leave two sets of codes that both work.
        user = User.objects.select_for_update().get(pk=user.pk)
        tokens = StaticToken.objects.filter(device__user=user)
        old_count = tokens.count()
        tokens.delete()
        device = StaticDevice.objects.filter(user=user).order_by("pk").first()
        if device is None:
            device = StaticDevice.objects.create(user=user, name="backup")
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
        _audit_person(
            actor=actor,
            user=user,
            kind=AuditKind.BEVEILIGING,
            changes={"backup_codes": {"old": old_count, "new": len(codes)}},
            message="backup codes regenerated",
        )
        notifications.security_change_mail(user, notifications.BACKUP_CODES_REGENERATED)
    return codes


def _audit_person(
    *, actor: User, user: User, kind: AuditKind, changes: dict, message: str = ""
) -> None:
    """Log a change of a person once in the log of every organisation they belong to, so that
    each one's beheerders see it; once without an organisation when there is none."""
    organisaties = list(Organisatie.objects.filter(lidmaatschappen__user=user).order_by("pk"))
    for organisatie in organisaties or [None]:
        audit_log(
            actor=actor,
            organisatie=organisatie,
            action=AuditAction.UPDATE,
            kind=kind,
            obj=user,
            changes=changes,
            message=message,
        )


def certificaat_login(*, request, user: User, checked) -> None:
    """Log ``user`` in with a checked EH4 certificate (``accounts.certificates.check``): the
    session gets the person's ``CertificaatDevice``, so it counts as both factors."""
    from django.contrib.auth import login

    from .middleware import client_ip
    from .models import CertificaatDevice

    with transaction.atomic():
        device, _created = CertificaatDevice.objects.get_or_create(
            user=user,
            defaults={"name": "EH4", "serienummer": checked.serial_number, "confirmed": True},
        )
        device.serienummer = checked.serial_number
        device.fingerprint = checked.fingerprint
        device.confirmed = True
        device.save(update_fields=["serienummer", "fingerprint", "confirmed"])
        # django-otp puts a device set on the user into the session at login().
        user.otp_device = device
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        login_event_record(
            user=user,
            username=user.get_username(),
            result=LoginResult.SUCCESS,
            ip_address=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            second_factor=SecondFactorUsed.CERTIFICAAT,
        )


def login_event_record(
    *,
    user: User | None,
    username: str,
    result: LoginResult,
    ip_address: str | None,
    user_agent: str,
    second_factor: SecondFactorUsed = SecondFactorUsed.NONE,
) -> LoginEvent:
    return LoginEvent.objects.create(
        user=user,
        username=username[:150],
        result=result,
        ip_address=ip_address,
        user_agent=user_agent[:300],
        second_factor=second_factor,
    )
