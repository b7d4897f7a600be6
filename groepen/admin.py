from django.contrib import admin

from accounts.admin_audit import AuditedModelAdmin
from accounts.constants import AuditKind

from .models import Groep


@admin.register(Groep)
class GroepAdmin(AuditedModelAdmin):
    audit_kind = AuditKind.GROEP
    list_display = ["naam", "organisatie", "algemene_bevoegdheid"]
    search_fields = ["naam", "organisatie__naam"]
    raw_id_fields = ["organisatie", "leden", "dienstverleners", "diensten"]
