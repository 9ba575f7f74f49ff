from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AccountEvent, User
from .services import AccountClosureRefused, account_close


class UserCreationByEmailForm(AdminUserCreationForm):
    """Staff add a person by e-mail address; the username follows it (User.save)."""

    class Meta:
        model = User
        fields = ("email",)


class UserChangeByEmailForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeByEmailForm
    add_form = UserCreationByEmailForm
    list_display = ("email", "certificate_name", "role", "is_active", "date_joined")
    list_filter = ("role", "is_active", "is_staff", ("closed_at", admin.EmptyFieldListFilter))
    search_fields = ("email", "certificate_name", "first_name", "last_name")
    ordering = ("email",)
    # Django's own layout with the e-mail address where the username was: the username is not
    # edited, it mirrors the address.
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        *(DjangoUserAdmin.fieldsets or ())[2:],
        ("Certification", {"fields": ("role", "certificate_name", "closed_at")}),
    )
    readonly_fields = ("closed_at",)
    actions = ["close_accounts"]

    @admin.action(description="Close the selected accounts and erase their personal data (at their request)")
    def close_accounts(self, request, queryset) -> None:
        """Support's path for a closure requested by e-mail or letter: the same erasure as the
        person's own *Close your account*, logged with the staff member as the actor."""
        closed, refused = 0, []
        for user in queryset.filter(closed_at__isnull=True):
            try:
                account_close(user=user, actor=request.user, now=timezone.now())
            except AccountClosureRefused:
                refused.append(user.email)
            else:
                closed += 1
        self.message_user(request, f"Closed {closed} account(s); their personal data is erased.")
        if refused:
            self.message_user(
                request,
                f"Not closed, because they hold the instructor or staff role (change it first): {', '.join(refused)}",
                level=messages.WARNING,
            )

    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "usable_password", "password1", "password2")}),)


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
