from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class MfaAdminSite(admin.AdminSite):
    """Django's admin, open only to staff who have a second factor enrolled."""

    site_header = "Grok 4 Certification administration"

    def has_permission(self, request) -> bool:
        from allauth.mfa.utils import is_mfa_enabled

        return super().has_permission(request) and is_mfa_enabled(request.user)


class MfaAdminConfig(AdminConfig):
    default_site = "config.admin.MfaAdminSite"
