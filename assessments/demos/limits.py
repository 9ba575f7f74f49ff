"""A platform-wide cap on model calls: how many may be in flight, and how many may start per second.

Both are shared through Redis when the cache is Redis, so every worker process and host
counts against the same provider limits. A holder's slot expires on its own
(`DEMO_CALL_SLOT_TTL_SECONDS`), so a worker that dies mid-call does not leak capacity.
Without Redis (the embedded development setup) the counters live in the process, which is
exact there because a single thread-pool worker consumes the `model_calls` queue.

Callers that cannot get a slot within `DEMO_LIMIT_WAIT_SECONDS` receive `ModelCallsBusy`
and should come back later (the Celery task retries with a countdown) instead of failing.
"""

import os
import random
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 60)
  return 1
end
return 0
"""

_IN_FLIGHT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
return redis.call('ZCOUNT', KEYS[1], now, '+inf')
"""

# Returns how long to wait, as a string ("0" when a token was taken).
_TAKE_TOKEN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
return tostring(wait)
"""


class ModelCallsBusy(Exception):
    """No capacity for another model call right now; try again after `retry_after` seconds."""

    def __init__(self, retry_after: float):
        super().__init__(f"model calls are at the platform limit; retry in {retry_after:.1f}s")
        self.retry_after = retry_after


class _RedisBackend:
    def __init__(self, client):
        self.client = client
        self.in_flight_key = caches["default"].make_key("demo-calls:in-flight")
        self.bucket_key = caches["default"].make_key("demo-calls:bucket")
        self.acquire_script = client.register_script(_ACQUIRE)
        self.in_flight_script = client.register_script(_IN_FLIGHT)
        self.token_script = client.register_script(_TAKE_TOKEN)

    def try_acquire(self, token: str, limit: int, ttl: float) -> bool:
        return bool(self.acquire_script(keys=[self.in_flight_key], args=[limit, ttl, token]))

    def release(self, token: str) -> None:
        self.client.zrem(self.in_flight_key, token)

    def in_flight(self) -> int:
        return int(self.in_flight_script(keys=[self.in_flight_key]))

    def take_token(self, rate: float, burst: float) -> float:
        return float(self.token_script(keys=[self.bucket_key], args=[rate, burst]))

    def reset(self) -> None:
        self.client.delete(self.in_flight_key, self.bucket_key)


class _LocalBackend:
    def __init__(self):
        self.lock = threading.Lock()
        self.holders: dict[str, float] = {}
        self.tokens: float | None = None
        self.stamp = time.monotonic()

    def try_acquire(self, token: str, limit: int, ttl: float) -> bool:
        now = time.monotonic()
        with self.lock:
            self.holders = {key: expiry for key, expiry in self.holders.items() if expiry > now}
            if len(self.holders) >= limit:
                return False
            self.holders[token] = now + ttl
            return True

    def release(self, token: str) -> None:
        with self.lock:
            self.holders.pop(token, None)

    def in_flight(self) -> int:
        now = time.monotonic()
        with self.lock:
            return sum(1 for expiry in self.holders.values() if expiry > now)

    def take_token(self, rate: float, burst: float) -> float:
        now = time.monotonic()
        with self.lock:
            tokens = burst if self.tokens is None else self.tokens
            tokens = min(burst, tokens + (now - self.stamp) * rate)
            self.stamp = now
            if tokens >= 1:
                self.tokens = tokens - 1
                return 0.0
            self.tokens = tokens
            return (1 - tokens) / rate

    def reset(self) -> None:
        with self.lock:
            self.holders.clear()
            self.tokens = None


_local = _LocalBackend()
_redis_lock = threading.Lock()
_redis_backends: dict[tuple[int, str], _RedisBackend] = {}


def _backend() -> _RedisBackend | _LocalBackend:
    default = caches["default"]
    if not isinstance(default, RedisCache):
        return _local
    # One client per process and location: threads share its connection pool, and a
    # forked child builds its own instead of reusing its parent's sockets.
    location = default._servers[0]  # type: ignore[attr-defined]  # the parsed LOCATION; the stubs omit it
    key = (os.getpid(), location)
    if key not in _redis_backends:
        import redis

        with _redis_lock:
            if key not in _redis_backends:
                _redis_backends[key] = _RedisBackend(redis.Redis.from_url(location))
    return _redis_backends[key]


def reset() -> None:
    """Forget every holder and the rate bucket (a benchmark or a test starting clean)."""
    _backend().reset()


def in_flight() -> int:
    """Model calls currently holding a slot, across the platform."""
    return _backend().in_flight()


@contextmanager
def model_call_slot(*, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold one of the platform's model-call slots for the duration of a call.

    Waits up to `wait_seconds` (default DEMO_LIMIT_WAIT_SECONDS) for a free slot and a
    rate token, then raises ModelCallsBusy.
    """
    backend = _backend()
    limit = int(settings.DEMO_MAX_CONCURRENT_CALLS)
    ttl = float(settings.DEMO_CALL_SLOT_TTL_SECONDS)
    rate = float(settings.DEMO_CALLS_PER_SECOND)
    wait = settings.DEMO_LIMIT_WAIT_SECONDS if wait_seconds is None else wait_seconds
    deadline = time.monotonic() + wait
    token = uuid.uuid4().hex
    while not backend.try_acquire(token, limit, ttl):
        if time.monotonic() >= deadline:
            raise ModelCallsBusy(retry_after=1.0 + random.random() * 2)
        time.sleep(0.05 + random.random() * 0.1)
    try:
        while rate > 0 and (pause := backend.take_token(rate, max(1.0, rate))) > 0:
            if time.monotonic() + pause > deadline:
                raise ModelCallsBusy(retry_after=pause + random.random())
            time.sleep(pause)
        yield
    finally:
        backend.release(token)
