from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEARNER = "learner", "Learner"
    INSTRUCTOR = "instructor", "Instructor"
    STAFF = "staff", "Staff"


class EmailUserManager(UserManager):
    """People sign in with their e-mail address; Django's username simply mirrors it."""

    def create_user(self, username=None, email=None, password=None, **extra_fields):
        return super().create_user(username or email, email, password, **extra_fields)

    def create_superuser(self, username=None, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.STAFF)
        return super().create_superuser(username or email, email, password, **extra_fields)


class User(AbstractUser):
    """A person on the platform. Signs in with e-mail; `username` mirrors it for Django's admin."""

    email = models.EmailField(_("e-mail address"), unique=True)
    # As long as the address it mirrors, and without Django's username character rules, which
    # e-mail addresses need not follow.
    username = models.CharField(_("username"), max_length=254, unique=True, editable=False)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.LEARNER)
    # Stored exactly as typed (no case folding or normalisation): certificates print it.
    certificate_name = models.CharField(
        _("name as it appears on certificates"),
        max_length=200,
        blank=True,
        help_text=_("Printed on your certificates exactly as you type it, in any script."),
    )
    # Blank until the person picks a language: until then pages follow the browser's
    # Accept-Language, and e-mails and certificates use the platform default.
    preferred_language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )
    # Set when the person closed the account: the row stays, without anything that names them,
    # so that their anonymous exam and demo records and the audit trails keep their links.
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects: ClassVar[EmailUserManager] = EmailUserManager()

    REQUIRED_FIELDS = ["email"]

    def save(self, *args, **kwargs) -> None:
        # allauth signs people up and changes their address without touching `username`, which
        # must stay unique: left blank, the second sign-up would fail. It follows the address.
        self.username = self.email
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "email" in update_fields:
            kwargs["update_fields"] = {*update_fields, "username"}
        super().save(*args, **kwargs)

    @property
    def is_instructor(self) -> bool:
        return self.role in {Role.INSTRUCTOR, Role.STAFF} or self.is_superuser

    @property
    def is_staff_member(self) -> bool:
        """Staff run the platform (certificate revocation, admin); instructors do not."""
        return self.role == Role.STAFF or self.is_superuser

    @property
    def requires_mfa(self) -> bool:
        return self.role in {Role.INSTRUCTOR, Role.STAFF} or self.is_staff or self.is_superuser

    @property
    def name_for_certificates(self) -> str:
        """What a certificate prints: the name given for it, else the full name staff entered.
        Empty means no certificate can be issued yet."""
        return self.certificate_name or self.get_full_name()

    @property
    def display_name(self) -> str:
        if self.closed_at is not None:
            return gettext("Closed account")
        return self.name_for_certificates or self.email


class AccountEvent(models.Model):
    """Audit log of decisions about a person that have no record of their own to be logged on:
    refused actions on one's own records, certificate name changes and their refusals, each
    download of the person's data, and the closing of the account."""

    class Kind(models.TextChoices):
        OWN_RECORD_REFUSED = "own_record_refused", "Action on own record refused"
        CERTIFICATE_NAME_CHANGED = "certificate_name_changed", "Certificate name changed"
        CERTIFICATE_NAME_REISSUED = "certificate_name_reissued", "Certificate name changed, certificates re-issued"
        CERTIFICATE_NAME_REFUSED = "certificate_name_refused", "Certificate name change refused (re-issued recently)"
        PERSONAL_DATA_EXPORTED = "personal_data_exported", "Personal data downloaded"
        ACCOUNT_CLOSED = "account_closed", "Account closed, personal data erased"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    # The person whose records are concerned, and who acted (the same person when refused).
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="account_events")
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["user", "kind", "at"], name="account_event_user_kind_at")]
