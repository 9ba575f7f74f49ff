from django.db import transaction
from django.utils import translation

from accounts.api import AffectedCredential

from . import api, services, tasks


def learner_progressed_enqueue_issue(sender, *, user_id: int, course_id: int, **kwargs) -> None:
    """Only enqueues: the eligibility check and the rendering happen in the worker. The
    language the learner is using now goes along: the worker has no request to read it from."""
    language = translation.get_language() or ""
    transaction.on_commit(lambda: tasks.certificate_issue.delay(user_id, course_id, language))


def certificate_name_changed_reissue(sender, *, user_id: int, **kwargs) -> list[AffectedCredential]:
    """Runs inside the name change's transaction; the worker renders the new PDFs after it commits."""
    return api.certificate_reissue_for_name_change(user_id=user_id)


def certificate_name_changed_issue_pending(sender, *, user_id: int, **kwargs) -> list[AffectedCredential]:
    """Issues nothing itself (the worker does, after the change commits), so it names no credential."""
    services.certificate_issue_pending_enqueue(user_id=user_id)
    return []


def certificate_name_change_previewed_list(sender, *, user_id: int, now, **kwargs) -> list[AffectedCredential]:
    return api.certificate_list_current(user_id=user_id, now=now)
