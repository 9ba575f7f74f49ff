"""What other apps may use from `accounts`: role gates for views, the own-record rule, the
account events feature apps answer and the language a request is served in."""

from django.utils import timezone
from django.utils.translation import gettext as _

from .decorators import instructor_required, staff_required  # noqa: F401
from .languages import language_active  # noqa: F401
from .models import AccountEvent
from .requests import AuthenticatedRequest  # noqa: F401
from .signals import (  # noqa: F401
    AffectedCredential,
    certificate_name_change_previewed,
    certificate_name_changed,
)


def own_record_refusal(*, actor_id: int | None, learner_id: int, record: str, action: str) -> str | None:
    """Nobody reviews, overrides, accommodates or resets their own work.

    Returns the message to show when `actor_id` is the learner concerned, after writing the
    refusal to the audit log (call it outside the caller's transaction, so that the log entry
    survives the refusal); None when the action may go ahead.
    """
    if actor_id != learner_id:
        return None
    AccountEvent.objects.create(
        kind=AccountEvent.Kind.OWN_RECORD_REFUSED,
        user_id=learner_id,
        actor_id=actor_id,
        detail={"record": record, "action": action},
        at=timezone.now(),
    )
    return _(
        "This is your own %(record)s: another instructor has to %(action)s it. This refusal is kept in the audit log."
    ) % {"record": record, "action": action}
