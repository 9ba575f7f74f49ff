"""Structured JSON logs that carry the id of the request (or task) they belong to.

The id comes from the request's X-Request-ID header when a proxy set a sane one, otherwise
it is made here; it travels to the Celery tasks the request enqueues in a message header
(`celery_signals`), so one id ties a click to the work it caused on any node.
"""

import contextvars
import logging
import re
import uuid

from pythonjsonlogger.json import JsonFormatter

from config.exception_filter import url_credentials_mask

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def request_id_from(value: str | None) -> str:
    """The caller's id if it looks like one (it ends up in logs), else a fresh one."""
    return value if value and _SAFE_ID.match(value) else uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True


class _CredentialMasking(logging.Formatter):
    """Masks the password of any URL in the formatted line (a message or a traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        return url_credentials_mask(super().format(record))


class CredentialMaskingJsonFormatter(_CredentialMasking, JsonFormatter):
    pass


class CredentialMaskingFormatter(_CredentialMasking):
    pass


def logging_config(*, level: str, json_logs: bool) -> dict:
    """The LOGGING setting: one console handler, JSON lines unless LOG_FORMAT=plain."""
    fields = "%(asctime)s %(levelname)s %(name)s %(process)d %(request_id)s %(message)s"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {
            "json": {
                "()": CredentialMaskingJsonFormatter,
                "format": fields,
                "rename_fields": {"levelname": "level", "name": "logger"},
            },
            "plain": {
                "()": CredentialMaskingFormatter,
                "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if json_logs else "plain",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"weasyprint": {"level": "ERROR"}, "fontTools": {"level": "ERROR"}},
    }
