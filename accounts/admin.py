from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import AccountEvent, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("email", "certificate_name", "role", "is_active", "date_joined")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("email", "certificate_name", "first_name", "last_name")
    ordering = ("email",)
    fieldsets = (*(DjangoUserAdmin.fieldsets or ()), ("Certification", {"fields": ("role", "certificate_name")}))


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    """The audit log is read, never edited."""

    list_display = ("at", "kind", "user", "actor")
    list_filter = ("kind",)
    search_fields = ("user__email", "actor__email")
    readonly_fields = ("at", "kind", "user", "actor", "detail")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
