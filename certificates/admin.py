from django.contrib import admin

from .models import Certificate, CertificateEvent, SigningKey


class CertificateEventInline(admin.TabularInline):
    model = CertificateEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "actor", "note", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Read-only: revocation and re-issue go through the staff pages so they are audited."""

    list_display = [
        "credential_id",
        "holder_name",
        "course_title",
        "course_version",
        "status",
        "test_mode",
        "issued_at",
    ]
    list_filter = ["status", "test_mode", "course_version"]
    search_fields = ["credential_id", "holder_name", "learner__email"]
    inlines = [CertificateEventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    list_display = ["kid", "is_active", "created_at"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
