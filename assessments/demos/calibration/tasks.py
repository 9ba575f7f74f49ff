"""Celery task for judge calibration, on the `model_calls` queue: it mostly waits on the judge."""

from celery import shared_task

from . import services


@shared_task(bind=True, acks_late=True, max_retries=None)
def calibration_run(self, configuration_id: int) -> str:
    """Run a staged configuration's judge on the calibration set, then promote or hold it."""
    try:
        return services.judge_configuration_run(configuration_id=configuration_id, retries=self.request.retries)
    except services.RetryLater as exc:
        raise self.retry(countdown=exc.countdown, exc=exc) from exc
