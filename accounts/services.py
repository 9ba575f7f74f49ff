from django.db import transaction

from .models import Role, User


def user_set_role(*, user: User, role: Role) -> User:
    """Staff get Django's admin flag; the admin itself still demands MFA."""
    user.role = role
    user.is_staff = role == Role.STAFF
    user.save(update_fields=["role", "is_staff"])
    return user


def user_update_certificate_name(*, user: User, certificate_name: str) -> User:
    """Keeps the name exactly as typed apart from surrounding white space.

    Certificates are re-issued through their own app when this changes; callers
    go through `certificates.api` for that, not here.
    """
    with transaction.atomic():
        user.certificate_name = certificate_name.strip()
        user.save(update_fields=["certificate_name"])
    return user
