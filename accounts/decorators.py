from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def instructor_required(view):
    """Instructors and staff only; the MFA middleware has already required their second factor."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_instructor:
            raise PermissionDenied("Instructors only.")
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view):
    """Staff only (not instructors); the MFA middleware has already required their second factor."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_staff_member:
            raise PermissionDenied("Staff only.")
        return view(request, *args, **kwargs)

    return wrapper
