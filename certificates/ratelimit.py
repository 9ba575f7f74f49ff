"""A fixed-window request counter in the shared cache, for the public verification endpoints."""

import math
import time
from collections.abc import Callable
from functools import wraps

from allauth.account.adapter import get_adapter as get_account_adapter
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _


def rate_limit_hit(*, scope: str, ident: str, limit: int, window: int) -> int | None:
    """Counts one request; returns the seconds to wait when over the limit, else None.

    Exact under concurrency only on a cache whose add() and incr() are atomic: Redis, or
    the embedded default `config.cache.AtomicFileBasedCache`.
    """
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


def client_ip(request: HttpRequest) -> str:
    """allauth's reading of the client address (settings.TRUSTED_PROXY_COUNT), so that one
    proxy setting serves every rate limit. A forwarded-for header with fewer addresses than
    our proxies add did not come through them: the connection's address counts instead."""
    try:
        return get_account_adapter().get_client_ip(request)
    except ImproperlyConfigured:
        return request.META.get("REMOTE_ADDR", "")


def verification_rate_limited(view: Callable) -> Callable:
    """For the HTML verification page. The page, the API and the badge files serve the same
    record, so they share one budget per client (CERT_API_RATE_LIMIT requests per
    CERT_API_RATE_WINDOW); the JSON endpoints count against it through `public_api`."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        wait = rate_limit_hit(
            scope="verification",
            ident=client_ip(request),
            limit=settings.CERT_API_RATE_LIMIT,
            window=settings.CERT_API_RATE_WINDOW,
        )
        if wait is None:
            return view(request, *args, **kwargs)
        response = HttpResponse(
            _("Too many requests; retry in %(seconds)d seconds.") % {"seconds": wait},
            status=429,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(wait)
        return response

    return wrapper
