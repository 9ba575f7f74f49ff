"""What other apps may call in `certificates`."""

import datetime

from accounts.api import AffectedCredential

from . import selectors, services


def certificate_reissue_for_name_change(*, user_id: int) -> list[AffectedCredential]:
    """Call after the learner's name on certificates changed (inside or outside a
    transaction): current certificates with the old name are superseded by new ones,
    rendered and signed by the worker once the change commits."""
    return [
        AffectedCredential(credential_id=certificate.display_id, course_title=certificate.course_title)
        for certificate in services.certificate_reissue_for_name_change(user_id=user_id)
    ]


def certificate_list_current(*, user_id: int, now: datetime.datetime) -> list[AffectedCredential]:
    """The certificates a change of the learner's name would re-issue under new ids."""
    return [
        AffectedCredential(credential_id=certificate.display_id, course_title=certificate.course_title)
        for certificate in selectors.certificate_list_current_for_learner(user_id=user_id, now=now)
    ]
