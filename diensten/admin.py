from django.contrib import admin

from .models import Dienst, Dienstverlener


@admin.register(Dienstverlener)
class DienstverlenerAdmin(admin.ModelAdmin):
    list_display = ["naam_nl", "oin", "aangeboden"]
    search_fields = ["naam_nl", "naam_en", "oin"]


@admin.register(Dienst)
class DienstAdmin(admin.ModelAdmin):
    list_display = ["naam_nl", "dienstverlener", "eh_niveau", "intermediation", "aangeboden"]
    list_filter = ["eh_niveau", "intermediation", "aangeboden"]
    search_fields = ["naam_nl", "naam_en", "uuid"]
    readonly_fields = ["uuid"]
