from django.db import transaction

from .models import Role, User
from .signals import certificate_name_changed


def user_set_role(*, user: User, role: Role) -> User:
    """Staff get Django's admin flag; the admin itself still demands MFA."""
    user.role = role
    user.is_staff = role == Role.STAFF
    user.save(update_fields=["role", "is_staff"])
    return user


def user_update_certificate_name(*, user: User, certificate_name: str) -> list[str]:
    """Keep the name exactly as typed (apart from surrounding white space) and re-issue
    the learner's current certificates under it; the old ones stay verifiable as superseded.

    Returns the titles of the courses whose certificates are being re-issued.
    """
    with transaction.atomic():
        user.certificate_name = certificate_name.strip()
        user.save(update_fields=["certificate_name"])
        responses = certificate_name_changed.send(sender=User, user_id=user.pk)
    return [title for _receiver, titles in responses for title in titles or ()]
