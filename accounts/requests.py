"""Request types for views that only signed-in people reach (behind login_required)."""

from django.http import HttpRequest

from .models import User


class AuthenticatedRequest(HttpRequest):
    """What a view behind `login_required` receives: `user` is a real account, never anonymous."""

    user: User
