"""The public, cross-origin JSON endpoints: CORS on every answer (errors and 429s too, so
browser clients can read them), 405 with `Allow` for other methods, HEAD and OPTIONS."""

import functools

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .ratelimit import client_ip, rate_limit_hit


def json_error(error: str, detail: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"error": error, "detail": detail, **extra}, status=status)


def _rate_limit(scope: str) -> tuple[int, int]:
    """Bulk verification has its own budget; the API, the badge files and the verification
    page serve the same record and share the "verification" one (see ratelimit.py)."""
    if scope == "bulk":
        return settings.CERT_BULK_RATE_LIMIT, settings.CERT_BULK_RATE_WINDOW
    return settings.CERT_API_RATE_LIMIT, settings.CERT_API_RATE_WINDOW


def public_api(*methods: str, rate_scope: str | None = None):
    """Wraps a view of the public API. `methods` are the ones it implements; HEAD comes
    with GET, OPTIONS always. A rate-limited scope counts each request per client IP."""
    allowed = {*methods, "OPTIONS", *(("HEAD",) if "GET" in methods else ())}
    allow = ", ".join(sorted(allowed))

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "OPTIONS":
                response = HttpResponse(status=204)
                response["Allow"] = allow
            elif request.method not in allowed:
                response = json_error("method_not_allowed", f"This endpoint answers {allow}.", 405)
                response["Allow"] = allow
            else:
                response = _limited_or_served(request, view, rate_scope, args, kwargs)
                if request.method == "HEAD":
                    response.content = b""
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Allow-Methods"] = allow
            response["Access-Control-Allow-Headers"] = "Content-Type"
            response["Access-Control-Expose-Headers"] = "Retry-After"
            response["Access-Control-Max-Age"] = "86400"
            return response

        # No cookies are read or set: nothing here acts on a session, so no CSRF token.
        return csrf_exempt(wrapper)

    return decorator


def _limited_or_served(request: HttpRequest, view, rate_scope: str | None, args, kwargs) -> HttpResponse:
    if rate_scope is not None:
        limit, window = _rate_limit(rate_scope)
        wait = rate_limit_hit(scope=rate_scope, ident=client_ip(request), limit=limit, window=window)
        if wait is not None:
            response = json_error("rate_limited", "Too many requests; retry later.", 429)
            response["Retry-After"] = str(wait)
            return response
    try:
        return view(request, *args, **kwargs)
    except Http404 as exc:
        return json_error("not_found", str(exc) or "Not found.", 404)
