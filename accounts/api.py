"""What other apps may use from `accounts`: the role gate for views and the account events."""

from .decorators import instructor_required  # noqa: F401
from .requests import AuthenticatedRequest  # noqa: F401
from .signals import certificate_name_changed  # noqa: F401
