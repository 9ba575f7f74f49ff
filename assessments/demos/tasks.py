"""Celery tasks for demos. They run on the `model_calls` queue, consumed by a thread-pool
worker: each task mostly waits on the model API, so one process holds many in flight.

`acks_late` means a worker that dies mid-task leaves the message to be delivered again;
the services make that safe (stored steps are reused, a grade is written once).
`max_retries=None`: the services count transient model failures in the database and
decide when to give up, so waiting for capacity never uses up a learner's retries. The
services also decide how long to wait (exponential backoff with jitter, the same for runs
and re-grades); the model client itself only makes a few short retries.
"""

import uuid

from celery import shared_task
from celery.signals import worker_ready

from . import services

# Names this worker process in the runs it claims, so that the next process started under
# the same node name can tell the runs a killed predecessor left behind.
PROCESS_ID = uuid.uuid4().hex[:12]


def _holder(hostname: str | None) -> str:
    return f"{hostname}/{PROCESS_ID}" if hostname else ""


@shared_task(bind=True, acks_late=True, max_retries=None)
def demo_run_and_grade(self, submission_id: int, resume: str | None = None) -> str:
    try:
        return services.submission_run_and_grade(
            submission_id=submission_id, resume=resume, holder=_holder(self.request.hostname)
        ).state
    except services.RetryLater as exc:
        raise self.retry(countdown=exc.countdown, exc=exc, kwargs={"resume": exc.resume}) from exc


@shared_task(bind=True, acks_late=True, max_retries=None)
def demo_regrade(self, submission_id: int, round_: int) -> str:
    try:
        return services.submission_regrade(submission_id=submission_id, round_=round_).state
    except services.RetryLater as exc:
        raise self.retry(countdown=exc.countdown, exc=exc) from exc


@shared_task
def demo_sweep_expired_leases() -> int:
    """Beat, every DEMO_LEASE_SWEEP_SECONDS: re-queue runs whose execution died."""
    return services.submission_requeue_expired()


@worker_ready.connect
def demo_requeue_runs_of_a_previous_process(sender, **kwargs) -> None:
    """A worker that starts again under its node name re-queues the runs its killed
    predecessor held at once, instead of waiting for their leases to run out."""
    services.submission_requeue_orphaned(worker=sender.hostname, holder=_holder(sender.hostname))
