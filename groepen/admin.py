from django.contrib import admin

from .models import Groep


@admin.register(Groep)
class GroepAdmin(admin.ModelAdmin):
    list_display = ["naam", "organisatie", "algemene_bevoegdheid"]
    search_fields = ["naam", "organisatie__naam"]
    raw_id_fields = ["organisatie", "leden", "dienstverleners", "diensten"]
