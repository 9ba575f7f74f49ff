from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .models import User


def _role_required(allowed: Callable[[User], bool], refusal: str) -> Callable:
    """Signed-in users passing `allowed` only; the MFA middleware has already required the
    second factor of every privileged role."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not (isinstance(request.user, User) and allowed(request.user)):
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


# Instructors and staff: exam tools, demo review.
instructor_required = _role_required(lambda user: user.is_instructor, "Instructors only.")
# Staff only, not instructors: certificate revocation, reinstatement and re-issue.
staff_required = _role_required(lambda user: user.is_staff_member, "Staff only.")
