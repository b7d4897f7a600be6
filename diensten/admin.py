from django.contrib import admin

from accounts.admin_audit import AuditedModelAdmin
from accounts.constants import AuditKind

from .models import Dienst, Dienstverlener


@admin.register(Dienstverlener)
class DienstverlenerAdmin(AuditedModelAdmin):
    audit_kind = AuditKind.CATALOGUS
    list_display = ["naam_nl", "oin", "aangeboden"]
    search_fields = ["naam_nl", "naam_en", "oin"]


@admin.register(Dienst)
class DienstAdmin(AuditedModelAdmin):
    audit_kind = AuditKind.CATALOGUS
    list_display = ["naam_nl", "dienstverlener", "eh_niveau", "intermediation", "aangeboden"]
    list_filter = ["eh_niveau", "intermediation", "aangeboden"]
    search_fields = ["naam_nl", "naam_en", "uuid"]
    readonly_fields = ["uuid"]
