"""The outbox in the admin: read-only, for platform staff looking into a delivery problem."""

from django.contrib import admin

from .models import Mail


@admin.register(Mail)
class MailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "soort", "ontvanger", "status", "pogingen", "verzonden_op")
    list_filter = ("status", "soort", "fout_soort")
    search_fields = ("ontvanger", "message_id")
    readonly_fields = [f.name for f in Mail._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
