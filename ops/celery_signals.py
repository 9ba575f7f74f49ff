"""Celery: the enqueuing request's id rides along in a message header and becomes the task's
log context; each task's start, outcome and run time are counted for /metrics."""

import time
from contextvars import Token

from celery import signals

from . import metrics
from .logs import current_request_id

HEADER = "certify_request_id"
_started: dict[str, tuple[float, Token[str]]] = {}


def _attach_request_id(headers=None, **kwargs) -> None:
    request_id = current_request_id.get()
    if request_id and headers is not None:
        headers[HEADER] = request_id


def _task_started(task_id=None, task=None, **kwargs) -> None:
    request_id = getattr(task.request, HEADER, None) or f"task-{task_id}"
    _started[task_id] = (time.perf_counter(), current_request_id.set(request_id))
    metrics.TASKS.labels(task.name, "started").inc()


def _task_finished(task_id=None, task=None, state=None, **kwargs) -> None:
    entry = _started.pop(task_id, None)
    if entry is not None:
        started, token = entry
        metrics.TASK_RUNTIME.labels(task.name).observe(time.perf_counter() - started)
        current_request_id.reset(token)
    metrics.TASKS.labels(task.name, str(state or "unknown").lower()).inc()


def connect() -> None:
    signals.before_task_publish.connect(_attach_request_id, weak=False, dispatch_uid="ops-request-id")
    signals.task_prerun.connect(_task_started, weak=False, dispatch_uid="ops-task-started")
    signals.task_postrun.connect(_task_finished, weak=False, dispatch_uid="ops-task-finished")
