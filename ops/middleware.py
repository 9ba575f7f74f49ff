"""Two middlewares, first in the chain: the probes and metrics endpoints, then the request
id, request log and request metrics for everything else."""

import ipaddress
import logging
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from . import checks, metrics
from .logs import REQUEST_ID_HEADER, current_request_id, request_id_from

logger = logging.getLogger("ops.requests")


def _metrics_allowed(request: HttpRequest) -> bool:
    """A bearer token if one is configured; otherwise only direct calls from an allowed address.
    A request that came through a proxy (X-Forwarded-For) never qualifies by address."""
    if settings.METRICS_TOKEN:
        return request.headers.get("Authorization", "") == f"Bearer {settings.METRICS_TOKEN}"
    if "X-Forwarded-For" in request.headers:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network) for network in settings.METRICS_ALLOWED_NETWORKS)


class OperationsEndpointsMiddleware:
    """Answers /healthz, /readyz and /metrics before host checks and HTTPS redirects, which a load
    balancer's probe (plain HTTP, addressed by IP) would otherwise trip over."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return JsonResponse({"status": "ok"})
        if request.path == "/readyz":
            results = checks.readiness()
            ready = all(result == "ok" for result in results.values())
            return JsonResponse(
                {"status": "ok" if ready else "unavailable", "checks": results}, status=200 if ready else 503
            )
        if request.path == "/metrics":
            if not _metrics_allowed(request):
                return HttpResponse("Metrics are not available from here.", status=403, content_type="text/plain")
            return HttpResponse(metrics.exposition(), content_type="text/plain; version=0.0.4; charset=utf-8")
        return self.get_response(request)


class RequestLogMiddleware:
    """Gives each request an id (echoed in the response), logs one JSON line and counts it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        token = current_request_id.set(request_id_from(request.headers.get(REQUEST_ID_HEADER)))
        try:
            response = self.get_response(request)
            elapsed = time.perf_counter() - started
            match = request.resolver_match
            view = match.view_name if match else "unmatched"
            metrics.HTTP_REQUESTS.labels(view, request.method, str(response.status_code)).inc()
            metrics.HTTP_LATENCY.labels(view).observe(elapsed)
            response[REQUEST_ID_HEADER] = current_request_id.get()
            logger.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "view": view,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )
            return response
        finally:
            current_request_id.reset(token)
