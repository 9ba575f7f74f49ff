"""The cache backends: Redis with one client per connection pool, and the embedded default,
Django's file cache with atomic counters.

Django's Redis backend builds a new `redis.Redis` object for every command, which was a fifth
of the CPU a signed-in request spends reading its session. A `redis.Redis` is safe to share
between threads (each command borrows a connection from the pool), so one per pool is kept.

Rate limits count with `add()` and `incr()`. The file cache does both as a read then a
write, so concurrent requests overwrite each other's counts (150 requests at once got 103
answers under a limit of 60). Here both run under an exclusive lock on one file in the
cache folder, which holds across the threads and processes of the host, and `incr()`
keeps the key's expiry. Redis (REDIS_URL) counts atomically on its own.
"""

import os
import pickle
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.core.files import locks

# Not ending in FileBasedCache.cache_suffix, so culling and clear() leave it alone.
_LOCK_FILE = "counters.lock"


class _SharedClientRedisCacheClient(RedisCacheClient):
    # RedisCacheClient's own helpers, which django-stubs does not declare.
    _get_connection_pool: Callable[[bool], object]
    _client: Callable[..., object]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _SharedClientRedisCacheClient


class AtomicFileBasedCache(FileBasedCache):
    # FileBasedCache's own helpers, which django-stubs does not declare.
    _dir: str
    _createdir: Callable[[], None]
    _key_to_file: Callable[[str, int | None], str]

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        self._createdir()
        with open(os.path.join(self._dir, _LOCK_FILE), "ab") as lock_file:
            locks.lock(lock_file, locks.LOCK_EX)
            try:
                yield
            finally:
                locks.unlock(lock_file)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        with self._exclusive():
            return super().add(key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        with self._exclusive():
            fname = self._key_to_file(key, version)
            try:
                with open(fname, "rb") as f:
                    expiry = pickle.load(f)
                    value = (
                        None if expiry is not None and expiry < time.time() else pickle.loads(zlib.decompress(f.read()))
                    )
            except (FileNotFoundError, EOFError):
                value = None
            if value is None:
                raise ValueError(f"Key '{key}' not found")
            value += delta
            # Written aside and renamed over the old file, so a reader without the lock
            # (get) sees the old or the new content, never half of one.
            fd, tmp_path = tempfile.mkstemp(dir=self._dir)
            try:
                with open(fd, "wb") as f:
                    f.write(pickle.dumps(expiry, self.pickle_protocol))
                    f.write(zlib.compress(pickle.dumps(value, self.pickle_protocol)))
                os.replace(tmp_path, fname)
            except BaseException:
                if os.path.exists(tmp_path):
                    os.remove(tmp_path)
                raise
            return value
