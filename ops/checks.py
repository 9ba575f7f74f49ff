"""Readiness: can this process serve a learner right now? Each check answers within seconds."""

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from assessments import api as assessments_api
from certificates import api as certificates_api

TIMEOUT_SECONDS = 2.0


def database_ready() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def cache_ready() -> bool:
    cache.set("ops:readyz", "ok", timeout=10)
    return cache.get("ops:readyz") == "ok"


def broker_ready() -> bool:
    from config.celery import app

    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=TIMEOUT_SECONDS)
    return True


def signing_key_ready() -> bool:
    return certificates_api.signing_key_available()


def model_api_ready() -> bool:
    return assessments_api.model_api_reachable(timeout=TIMEOUT_SECONDS)


def readiness_checks() -> dict[str, Callable[[], bool]]:
    checks = {
        "database": database_ready,
        "cache": cache_ready,
        "broker": broker_ready,
        "signing_key": signing_key_ready,
    }
    # In test mode the model is the simulator, which is not a dependency worth failing over.
    if not settings.PLATFORM_TEST_MODE:
        checks["model_api"] = model_api_ready
    return checks


def readiness() -> dict[str, str]:
    """ "ok" or the error, per dependency."""
    results = {}
    for name, check in readiness_checks().items():
        try:
            results[name] = "ok" if check() else "failed"
        except Exception as exc:  # any failure of a dependency means "not ready", with its reason
            results[name] = f"failed: {type(exc).__name__}: {exc}"[:200]
    return results
