from accounts.api import AffectedCredential

from . import api, services


def learner_progressed_enqueue_issue(sender, *, user_id: int, course_id: int, **kwargs) -> None:
    """Only enqueues: the eligibility check and the rendering happen in the worker."""
    services.certificate_issue_enqueue(user_id=user_id, course_id=course_id)


def certificate_name_changed_reissue(sender, *, user_id: int, **kwargs) -> list[AffectedCredential]:
    """Runs inside the name change's transaction; the worker renders the new PDFs after it commits."""
    return api.certificate_reissue_for_name_change(user_id=user_id)


def certificate_name_changed_issue_pending(sender, *, user_id: int, **kwargs) -> list[AffectedCredential]:
    """Issues nothing itself (the worker does, after the change commits), so it names no credential."""
    services.certificate_issue_pending_enqueue(user_id=user_id)
    return []


def certificate_name_change_previewed_list(sender, *, user_id: int, now, **kwargs) -> list[AffectedCredential]:
    return api.certificate_list_current(user_id=user_id, now=now)
