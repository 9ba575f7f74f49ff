"""Beat runs the model freshness check daily when an API key is set (config/settings/base.py)."""

from celery import shared_task
from django.utils import timezone

from .freshness import model_freshness_check_run


@shared_task(acks_late=True)
def model_freshness_check() -> None:
    # Each run stores one dated result; running it twice only adds a second, equal record.
    model_freshness_check_run(now=timezone.now())
