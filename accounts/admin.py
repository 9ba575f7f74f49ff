from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("email", "certificate_name", "role", "is_active", "date_joined")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("email", "certificate_name", "first_name", "last_name")
    ordering = ("email",)
    fieldsets = (*(DjangoUserAdmin.fieldsets or ()), ("Certification", {"fields": ("role", "certificate_name")}))
