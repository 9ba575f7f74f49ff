"""The platform-wide model-call limiter, on whatever cache the settings configure
(Redis with REDIS_URL, the in-process backend otherwise)."""

import threading
import time
from contextlib import ExitStack

import pytest
from django.conf import settings as django_settings

from assessments.demos import limits
from tests.requirements import require_redis


@pytest.fixture(autouse=True)
def clean_limiter(settings):
    settings.DEMO_CALLS_PER_SECOND = 0
    limits.reset()
    yield
    limits.reset()


def test_slots_run_out_at_the_limit_and_come_back_on_release(settings):
    settings.DEMO_MAX_CONCURRENT_CALLS = 2
    with ExitStack() as stack:
        stack.enter_context(limits.model_call_slot())
        stack.enter_context(limits.model_call_slot())
        assert limits.in_flight() == 2
        with pytest.raises(limits.ModelCallsBusy) as busy, limits.model_call_slot(wait_seconds=0):
            pass
        assert busy.value.retry_after > 0
    assert limits.in_flight() == 0
    with limits.model_call_slot(wait_seconds=0):
        assert limits.in_flight() == 1


def test_a_waiting_caller_gets_the_slot_another_thread_frees(settings):
    settings.DEMO_MAX_CONCURRENT_CALLS = 1
    holder = limits.model_call_slot()
    holder.__enter__()
    threading.Timer(0.3, holder.__exit__, args=(None, None, None)).start()
    started = time.monotonic()
    with limits.model_call_slot(wait_seconds=3):
        assert time.monotonic() - started >= 0.25


def test_a_slot_held_by_a_dead_worker_expires(settings):
    settings.DEMO_MAX_CONCURRENT_CALLS = 1
    settings.DEMO_CALL_SLOT_TTL_SECONDS = 0.3
    dead_worker = limits.model_call_slot()
    dead_worker.__enter__()  # never released, as if the process died mid-call
    with pytest.raises(limits.ModelCallsBusy), limits.model_call_slot(wait_seconds=0):
        pass
    time.sleep(0.35)
    with limits.model_call_slot(wait_seconds=0):
        assert limits.in_flight() == 1


def test_calls_per_second_are_rate_limited(settings):
    settings.DEMO_MAX_CONCURRENT_CALLS = 100
    settings.DEMO_CALLS_PER_SECOND = 2  # burst of 2, then one every half second
    for _ in range(2):
        with limits.model_call_slot(wait_seconds=0):
            pass
    with pytest.raises(limits.ModelCallsBusy) as busy, limits.model_call_slot(wait_seconds=0):
        pass
    assert 0 < busy.value.retry_after <= 2
    assert limits.in_flight() == 0  # the slot taken while waiting for a token was given back
    started = time.monotonic()
    with limits.model_call_slot(wait_seconds=2):
        pass
    assert time.monotonic() - started >= 0.3


def test_with_redis_every_client_counts_against_the_same_limit(settings):
    require_redis(django_settings.REDIS_URL, "sharing a limit across processes")
    import redis

    settings.DEMO_MAX_CONCURRENT_CALLS = 1
    other_process = limits._RedisBackend(redis.Redis.from_url(django_settings.REDIS_URL))
    assert other_process.try_acquire("other-worker", 1, 60)
    with pytest.raises(limits.ModelCallsBusy), limits.model_call_slot(wait_seconds=0):
        pass
    other_process.release("other-worker")
    with limits.model_call_slot(wait_seconds=0):
        assert other_process.in_flight() == 1
