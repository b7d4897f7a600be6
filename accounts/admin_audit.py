"""Changes made in the Django admin go to the audit log like the portal's own: one row per save
or delete, with the old and new value of every changed field (inline rows included), in the
admin's transaction. Staff use the admin to change who may act for whom; that must be traceable.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models, transaction

from .audit import audit_log
from .constants import AuditAction, AuditKind
from .models import Organisatie

HIDDEN = "••••"  # passwords and secrets: that they changed, never their value
SECRET_WORDS = ("password", "key", "token", "secret")


def plain(value: Any, field: forms.Field | None = None) -> Any:
    """A JSON-friendly, human-readable form of a form value (objects by name, not id)."""
    if value is None or isinstance(value, bool | int | float | str) and field is None:
        return value
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted(str(plain(v, field)) for v in value)
    if isinstance(field, forms.ModelChoiceField) and isinstance(value, int | str) and value != "":
        found = field.queryset.model._default_manager.filter(pk=value).first()
        return str(found) if found is not None else str(value)
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def form_changes(form: forms.BaseForm, prefix: str = "") -> dict[str, dict[str, Any]]:
    changes = {}
    for name in form.changed_data:
        field = form.fields.get(name)
        label = f"{prefix}{name}"
        if any(word in name for word in SECRET_WORDS):
            changes[label] = {"old": HIDDEN, "new": HIDDEN}
            continue
        changes[label] = {
            "old": plain(form.initial.get(name), field),
            "new": plain(form.cleaned_data.get(name), field),
        }
    return changes


class AuditedAdminMixin:
    """For a ``ModelAdmin``: set ``audit_kind`` and, when the organisation is not the object's
    ``organisatie``, override ``audit_organisaties``."""

    audit_kind: AuditKind

    def audit_organisaties(self, obj: models.Model) -> Iterable[Organisatie]:
        if isinstance(obj, Organisatie):
            return [obj]
        organisatie = getattr(obj, "organisatie", None)
        return [organisatie] if organisatie is not None else []

    def _organisatie(self, obj, related: Iterable[models.Model] = ()) -> Organisatie | None:
        """The one organisation a change concerns, or None (a platform-level change)."""
        found = {o.pk: o for o in self.audit_organisaties(obj) if o is not None}
        for item in related:
            organisatie = getattr(item, "organisatie", None)
            if organisatie is not None:
                found[organisatie.pk] = organisatie
        return next(iter(found.values())) if len(found) == 1 else None

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        changes = form_changes(form)
        touched = []
        for formset in formsets:
            for inline_form in formset.forms:
                obj = inline_form.instance
                if obj in formset.deleted_objects or not inline_form.has_changed():
                    continue
                touched.append(obj)
                label = f"{obj._meta.verbose_name} {obj}: "
                if obj in formset.new_objects:
                    changes[f"{obj._meta.verbose_name}"] = {"old": None, "new": str(obj)}
                else:
                    changes.update(form_changes(inline_form, prefix=label))
            for obj in formset.deleted_objects:
                touched.append(obj)
                changes[f"{obj._meta.verbose_name} {obj}"] = {"old": str(obj), "new": None}
        if change and not changes:
            return
        audit_log(
            actor=request.user,
            organisatie=self._organisatie(form.instance, touched),
            action=AuditAction.UPDATE if change else AuditAction.CREATE,
            kind=self.audit_kind,
            obj=form.instance,
            changes=changes,
            message="admin",
        )

    def delete_model(self, request, obj):
        with transaction.atomic():
            self._audit_delete(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self._audit_delete(request, obj)
            super().delete_queryset(request, queryset)

    def _audit_delete(self, request, obj) -> None:
        organisatie = self._organisatie(obj)
        audit_log(
            actor=request.user,
            # An organisation that is deleted cannot hold its own audit row.
            organisatie=None if isinstance(obj, Organisatie) else organisatie,
            action=AuditAction.DELETE,
            kind=self.audit_kind,
            obj=obj,
            changes={},
            message="admin",
        )


class AuditedModelAdmin(AuditedAdminMixin, admin.ModelAdmin):
    pass
