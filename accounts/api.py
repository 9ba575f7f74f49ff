"""What other apps may use from `accounts`: role gates for views, the own-record rule, the
account events feature apps answer (a name change, a data export) and the language a request
is served in."""

from enum import Enum

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .decorators import instructor_required, staff_required  # noqa: F401
from .languages import language_active  # noqa: F401
from .models import AccountEvent
from .requests import AuthenticatedRequest  # noqa: F401
from .signals import (  # noqa: F401
    AffectedCredential,
    PersonalDataSection,
    account_eraser_connect,
    certificate_name_change_previewed,
    certificate_name_changed,
    personal_data_provider_connect,
)


class OwnRecordAction(Enum):
    """What nobody does to their own work, as (record, action, refusal): the first two are kept
    in the audit log, the refusal is the whole sentence the actor reads, translated as one."""

    REVIEW_SUBMISSION = (
        "demo submission",
        "review",
        gettext_lazy("This is your own demo submission: another instructor has to review it."),
    )
    CALIBRATE_ON_SUBMISSION = (
        "demo submission",
        "calibrate on",
        gettext_lazy("This is your own demo submission: another instructor has to add it to a calibration set."),
    )
    RESET_ATTEMPT = (
        "exam attempt",
        "reset",
        gettext_lazy("This is your own exam attempt: another instructor has to reset it."),
    )
    SET_ACCOMMODATIONS = (
        "exam",
        "set accommodations for",
        gettext_lazy("This is your own exam: another instructor has to set accommodations for it."),
    )
    REVOKE_CERTIFICATE = (
        "certificate",
        "revoke",
        gettext_lazy("This is your own certificate: another member of staff has to revoke it."),
    )
    REINSTATE_CERTIFICATE = (
        "certificate",
        "reinstate",
        gettext_lazy("This is your own certificate: another member of staff has to reinstate it."),
    )
    REISSUE_CERTIFICATE = (
        "certificate",
        "re-issue",
        gettext_lazy("This is your own certificate: another member of staff has to re-issue it."),
    )


def own_record_refusal(*, actor_id: int | None, learner_id: int, action: OwnRecordAction) -> str | None:
    """Nobody reviews, overrides, accommodates or resets their own work.

    Returns the message to show when `actor_id` is the learner concerned, after writing the
    refusal to the audit log (call it outside the caller's transaction, so that the log entry
    survives the refusal); None when the action may go ahead.
    """
    if actor_id != learner_id:
        return None
    record, verb, refusal = action.value
    AccountEvent.objects.create(
        kind=AccountEvent.Kind.OWN_RECORD_REFUSED,
        user_id=learner_id,
        actor_id=actor_id,
        detail={"record": record, "action": verb},
        at=timezone.now(),
    )
    kept = _("This refusal is kept in the audit log.")
    return f"{refusal} {kept}"
