import contextlib
import datetime
import io
import subprocess
import time
from collections.abc import Iterator

from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.utils import timezone

from certificates.models import Certificate
from config.celery import app
from tests.requirements import require_program


def pdf_bytes(certificate: Certificate) -> bytes:
    with certificate.pdf.open("rb") as handle:
        return handle.read()


def pdf_text(data: bytes) -> str:
    """Text as poppler's pdftotext extracts it: an independent reader of our PDFs."""
    require_program("pdftotext", package="poppler-utils")
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True, timeout=30
    ).stdout.decode()


def upload(client, data: bytes, name: str = "certificate.pdf"):
    handle = io.BytesIO(data)
    handle.name = name
    return client.post("/verify/upload/", {"pdf": handle})


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


@contextlib.contextmanager
def issuing_worker(learner_id: int) -> Iterator[list[str]]:
    """A real Celery worker on the `default` queue of the configured broker. Yields the list of
    the learner's certificate-issuing tasks it has finished, which grows as they finish."""
    finished: list[str] = []

    def count_finished(sender=None, **kwargs):
        # Earlier tests leave their own tasks in the shared broker; count this learner's only.
        if sender.name == "certificates.tasks.certificate_issue" and kwargs["args"][0] == learner_id:
            finished.append(kwargs["task_id"])

    task_postrun.connect(count_finished, weak=False)
    try:
        with start_worker(
            app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=10, queues=["default"]
        ):
            yield finished
    finally:
        task_postrun.disconnect(count_finished)


def wait_for_tasks(finished: list[str], count: int, *, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(finished) < count and time.monotonic() < deadline:
        time.sleep(0.1)
