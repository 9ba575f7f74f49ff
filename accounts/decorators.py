from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .models import User


def instructor_required(view):
    """Instructors and staff only; the MFA middleware has already required their second factor."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not (isinstance(request.user, User) and request.user.is_instructor):
            raise PermissionDenied("Instructors only.")
        return view(request, *args, **kwargs)

    return wrapper
