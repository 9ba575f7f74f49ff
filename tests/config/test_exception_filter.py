import os
import secrets
import sys

import pytest
from django.test import RequestFactory
from django.views.debug import technical_500_response

# Made at run time: the debug page quotes the source of the failing frame, so a literal
# password in this file would show up there whatever the filter does.
PASSWORDS = {name: f"{name}-{secrets.token_hex(6)}" for name in ("database", "redis", "mail", "env")}


def _debug_page(settings, monkeypatch) -> str:
    """The page DEBUG shows for a 500, with credentials in settings, the environment and a local."""
    database_url = f"postgres://certify:{PASSWORDS['database']}@db.internal:5432/certify"
    redis_url = f"redis://:{PASSWORDS['redis']}@cache.internal:6379/0"
    settings.DEBUG = True
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": redis_url}}
    settings.CELERY_BROKER_URL = redis_url
    settings.SOME_SERVICE = {"endpoints": [f"see smtp://mailer:{PASSWORDS['mail']}@smtp.internal:587 first"]}
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ANY_NAME_AT_ALL", f"amqp://worker:{PASSWORDS['env']}@queue.internal//")
    # The development server copies the process environment into request.META.
    request = RequestFactory().get("/boom/", **dict(os.environ))
    try:
        raise RuntimeError(f"cannot reach the database ({len(database_url)} characters)")
    except RuntimeError:
        return technical_500_response(request, *sys.exc_info()).content.decode()


@pytest.mark.parametrize("name", sorted(PASSWORDS))
def test_debug_page_shows_no_password_from_any_url(settings, monkeypatch, name):
    page = _debug_page(settings, monkeypatch)
    assert PASSWORDS[name] not in page


def test_debug_page_keeps_the_rest_of_the_url_readable(settings, monkeypatch):
    page = _debug_page(settings, monkeypatch)
    assert "postgres://certify:********@db.internal:5432/certify" in page
    assert "redis://:********@cache.internal:6379/0" in page
    assert "cannot reach the database" in page


def test_url_without_password_is_left_alone():
    from config.exception_filter import url_credentials_mask

    assert url_credentials_mask("postgres://postgres@127.0.0.1:5432/db") == "postgres://postgres@127.0.0.1:5432/db"
    assert url_credentials_mask("see https://a:b@x.org/ and ftp://c:d@y.org") == (
        "see https://a:********@x.org/ and ftp://c:********@y.org"
    )


def test_an_exception_message_quoting_a_url_is_masked_on_the_debug_page(settings):
    settings.DEBUG = True
    password = f"cause-{secrets.token_hex(6)}"
    try:
        try:
            raise ConnectionError(f"cannot reach redis://:{password}@cache.internal:6379/0")
        except ConnectionError as cause:
            raise RuntimeError(f"giving up on postgres://certify:{password}@db.internal/certify") from cause
    except RuntimeError:
        page = technical_500_response(RequestFactory().get("/boom/"), *sys.exc_info()).content.decode()
    assert password not in page
    assert "postgres://certify:********@db.internal/certify" in page
    assert "redis://:********@cache.internal:6379/0" in page


@pytest.mark.parametrize("json_logs", [True, False])
def test_log_lines_mask_urls_in_messages_and_tracebacks(json_logs):
    import logging

    from ops.logs import logging_config

    password = f"log-{secrets.token_hex(6)}"
    formatter_config = logging_config(level="INFO", json_logs=json_logs)["formatters"]["json" if json_logs else "plain"]
    factory = formatter_config.pop("()")
    formatter = factory(**{("fmt" if key == "format" else key): value for key, value in formatter_config.items()})
    try:
        raise ConnectionError(f"cannot reach amqp://worker:{password}@queue.internal//")
    except ConnectionError:
        record = logging.LogRecord(
            "ops.test",
            logging.ERROR,
            __file__,
            1,
            "broker %s refused",
            ("redis://:" + password + "@x/0",),
            sys.exc_info(),
        )
    record.request_id = "r"
    line = formatter.format(record)
    assert password not in line
    assert "amqp://worker:********@queue.internal//" in line and "redis://:********@x/0" in line
