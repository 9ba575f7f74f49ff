from django.db import transaction

from . import tasks


def learner_progressed_enqueue_issue(sender, *, user_id: int, course_id: int, **kwargs) -> None:
    """Only enqueues: the eligibility check and the rendering happen in the worker."""
    transaction.on_commit(lambda: tasks.certificate_issue.delay(user_id, course_id))
