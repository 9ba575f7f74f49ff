import json
import logging
import logging.config
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_prerun
from django.conf import settings

from config.celery import app
from ops.logs import current_request_id, logging_config


@pytest.mark.django_db
def test_each_response_carries_a_request_id_and_a_sane_incoming_one_is_kept(client):
    fresh = client.get("/healthz-not-here/")
    assert len(fresh["X-Request-ID"]) == 32
    kept = client.get("/healthz-not-here/", HTTP_X_REQUEST_ID="lb-abc12345")
    assert kept["X-Request-ID"] == "lb-abc12345"
    replaced = client.get("/healthz-not-here/", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert replaced["X-Request-ID"] != "<script>alert(1)</script>"


def test_log_lines_are_json_with_the_request_id(capsys):
    logging.config.dictConfig(logging_config(level="INFO", json_logs=True))
    token = current_request_id.set("req-0000feed")
    try:
        logging.getLogger("ops.test").info("answer saved", extra={"position": 3})
    finally:
        current_request_id.reset(token)
        logging.config.dictConfig(settings.LOGGING)
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["message"] == "answer saved"
    assert line["request_id"] == "req-0000feed"
    assert line["position"] == 3
    assert line["level"] == "INFO"


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_by_a_request_logs_with_that_request_id():
    from assessments.exams.tasks import attempt_sweep_overdue

    seen = []

    def remember(task=None, **kwargs):
        if task.name == attempt_sweep_overdue.name:
            seen.append(current_request_id.get())

    task_prerun.connect(remember, weak=False)
    token = current_request_id.set("req-sweep-0001")
    try:
        attempt_sweep_overdue.delay()
    finally:
        current_request_id.reset(token)
    try:
        with start_worker(
            app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=10, queues=["default"]
        ):
            deadline = time.monotonic() + 60
            while "req-sweep-0001" not in seen and time.monotonic() < deadline:
                time.sleep(0.1)
    finally:
        task_prerun.disconnect(remember)
    assert "req-sweep-0001" in seen
