from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


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

    email = models.EmailField("e-mail address", unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.LEARNER)
    # Stored exactly as typed (no case folding or normalisation): certificates print it.
    certificate_name = models.CharField(
        "name as it appears on certificates",
        max_length=200,
        blank=True,
        help_text="Printed on your certificates exactly as you type it, in any script.",
    )

    objects: ClassVar[EmailUserManager] = EmailUserManager()

    REQUIRED_FIELDS = ["email"]

    @property
    def is_instructor(self) -> bool:
        return self.role in {Role.INSTRUCTOR, Role.STAFF} or self.is_superuser

    @property
    def requires_mfa(self) -> bool:
        return self.role in {Role.INSTRUCTOR, Role.STAFF} or self.is_staff or self.is_superuser

    @property
    def display_name(self) -> str:
        return self.certificate_name or self.get_full_name() or self.email
