"""The admin: for platform staff (is_staff), behind the same two-factor login as everyone."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from . import audit_display, services
from .admin_audit import AuditedAdminMixin, AuditedModelAdmin
from .constants import AuditKind
from .models import AuditEntry, Lidmaatschap, LoginEvent, Organisatie, User


class LidmaatschapInline(admin.TabularInline):
    model = Lidmaatschap
    extra = 0
    autocomplete_fields = ["organisatie"]


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    audit_kind = AuditKind.GEBRUIKER
    list_display = [
        "username",
        "get_full_name",
        "email",
        "eh_niveau",
        "alleen_belastingdienst",
        "is_staff",
    ]
    list_filter = ["eh_niveau", "alleen_belastingdienst", "is_staff", "is_active"]
    search_fields = ["username", "last_name", "email"]
    inlines = [LidmaatschapInline]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            _("eHerkenning means"),
            {
                "fields": (
                    "voorletters",
                    "tussenvoegsel",
                    "telefoonnummer",
                    "eh_niveau",
                    "tweede_factor",
                    "alleen_belastingdienst",
                    "eh4_certificaat_serienummer",
                    "taal",
                )
            },
        ),
    )

    def audit_organisaties(self, obj):
        return [m.organisatie for m in obj.lidmaatschappen.select_related("organisatie")]

    def user_change_password(self, request, id, form_url=""):
        """The admin's password change, audited and mailed to the person like the portal's."""
        before = User.objects.filter(pk=id).values_list("password", flat=True).first()
        response = super().user_change_password(request, id, form_url)
        user = User.objects.filter(pk=id).first()
        if user is not None and before is not None and user.password != before:
            services.user_password_changed(actor=request.user, user=user)
        return response


@admin.register(Organisatie)
class OrganisatieAdmin(AuditedModelAdmin):
    audit_kind = AuditKind.ORGANISATIE
    list_display = ["naam", "kvk_nummer", "fiscaal_nummer", "plaats"]
    search_fields = ["naam", "kvk_nummer", "fiscaal_nummer"]


@admin.register(LoginEvent)
class LoginEventAdmin(admin.ModelAdmin):
    list_display = ["timestamp", "username", "result", "second_factor", "ip_address"]
    list_filter = ["result", "second_factor"]
    search_fields = ["username"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = [
        "timestamp",
        "actor_repr",
        "what_happened",
        "kind",
        "object_repr",
        "organisatie",
    ]
    list_filter = ["action", "kind"]
    search_fields = ["object_repr", "actor_repr"]
    readonly_fields = ["what_happened", "changes_in_words"]

    @admin.display(description=_("What happened"))
    def what_happened(self, obj: AuditEntry) -> str:
        return audit_display.describe(obj)

    @admin.display(description=_("Changes"))
    def changes_in_words(self, obj: AuditEntry) -> str:
        return audit_display.changes_text(obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
