"""Finalizing attempts whose time ran out, whether or not the learner is still there."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from . import services


@shared_task(bind=True, max_retries=5, acks_late=True)
def attempt_finalize_due(self, attempt_id: int) -> None:
    """Scheduled at start for the deadline plus grace; does nothing if the attempt is already closed."""
    try:
        services.attempt_finalize(
            attempt_id=attempt_id, now=timezone.now(), reason=services.FinalizeReason.DEADLINE_TASK
        )
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=2**self.request.retries) from exc


@shared_task(bind=True, max_retries=3, acks_late=True)
def attempt_sweep_overdue(self) -> int:
    """Periodic safety net for attempts whose scheduled task was lost (broker outage, restart)."""
    try:
        return services.attempt_sweep_overdue(now=timezone.now())
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=5) from exc
