"""Certificate work for the prefork `default` queue: ids in, a service call, retries only
for transient failures (database connection, mail relay, timestamp authority). Running a task twice changes
nothing: issuance is unique per learner and course version, signing and notifying check
their own state under a row lock."""

from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone
from pyhanko.sign.timestamps.common_utils import TimestampRequestError

from . import recertification, services

_TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "soft_time_limit": settings.CERT_TASK_SOFT_TIME_LIMIT,
    "time_limit": settings.CERT_TASK_TIME_LIMIT,
    # A timestamp authority that is briefly down must delay a certificate, not lose it.
    "autoretry_for": (OperationalError, SMTPException, ConnectionError, TimestampRequestError),
    "retry_backoff": True,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**_TASK_OPTIONS)
def certificate_issue(self, user_id: int, course_id: int, language: str = "") -> None:
    certificate = services.certificate_issue_if_eligible(user_id=user_id, course_id=course_id, language=language)
    if certificate is not None:
        services.certificate_finalize(certificate_id=certificate.id)
    else:
        # A holder of an earlier version may just have passed the delta; the renewal's
        # replacement is rendered by its own certificate_finalize task.
        recertification.certificate_renew_if_ready(user_id=user_id, course_id=course_id, now=timezone.now())


@shared_task(**_TASK_OPTIONS)
def certificate_finalize(self, certificate_id: int) -> None:
    services.certificate_finalize(certificate_id=certificate_id)


@shared_task(**_TASK_OPTIONS)
def certificate_renewal_reminders(self) -> int:
    return recertification.renewal_reminders_send(now=timezone.now())


# Without the certificate tasks' time limit: each certificate's rows are one transaction, so a
# long first run commits as it goes, and a second run picks up what is left.
@shared_task
def verifications_roll_up() -> int:
    return services.verifications_roll_up(now=timezone.now())
