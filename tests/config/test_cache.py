"""The Redis cache keeps one client per connection pool instead of building one per command."""

import threading
import uuid

from config.cache import SharedClientRedisCache
from tests.requirements import require_redis


def test_redis_cache_reuses_its_client_across_commands_and_threads(settings):
    require_redis(settings.REDIS_URL, "the cache backend under test")
    cache = SharedClientRedisCache(settings.REDIS_URL, {"KEY_PREFIX": f"test-cache-{uuid.uuid4().hex}"})
    cache.set("answer", {"position": 2}, timeout=60)
    clients, values = [], []

    def read() -> None:
        clients.append(cache._cache.get_client("answer"))
        values.append(cache.get("answer"))

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert values == [{"position": 2}] * 4
    assert len({id(client) for client in clients}) == 1
    assert cache.add("counter", 1)
    assert cache.incr("counter") == 2
    cache.delete_many(["answer", "counter"])
