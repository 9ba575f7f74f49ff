"""A fixed-window request counter in the shared cache, for the public verification API."""

import math
import time

from django.core.cache import cache


def rate_limit_hit(*, scope: str, ident: str, limit: int, window: int) -> int | None:
    """Counts one request; returns the seconds to wait when over the limit, else None."""
    now = time.time()
    window_index = int(now // window)
    key = f"certificates:rl:{scope}:{ident}:{window_index}"
    # add() is a no-op when the key exists, so concurrent first hits do not reset the count.
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window + 1)
        count = 1
    if count <= limit:
        return None
    return max(1, math.ceil((window_index + 1) * window - now))
