"""django-csp's middleware, building each policy header once per process.

django-csp builds the Content-Security-Policy header from the settings on every response,
a tenth of an exam status poll's CPU. The header only varies with the response's nonce (and
with a view's own policy decorators, which are left to django-csp), so it is built once with
a placeholder where the nonce goes, and each response gets a copy with its nonce put in."""

from functools import lru_cache

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.http.response import HttpResponseBase

# What a view's @csp_update, @csp_replace, @csp_override or @csp_exempt leave on the response.
_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt",
    "_csp_exempt_ro",
)
_NONCE_PLACEHOLDER = "csp-nonce-placeholder-8d1f0c2e"
_POLICIES = (
    (HEADER, "CONTENT_SECURITY_POLICY", False),
    (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
)


@lru_cache(maxsize=4)
def _policy(*, report_only: bool, with_nonce: bool) -> str:
    return build_policy(nonce=_NONCE_PLACEHOLDER if with_nonce else None, report_only=report_only)


@lru_cache(maxsize=4)
def _excluded_prefixes(setting: str) -> tuple[str, ...]:
    return tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ())


@receiver(setting_changed)
def _forget_policies(**kwargs) -> None:
    _policy.cache_clear()
    _excluded_prefixes.cache_clear()


class CSPMiddleware(DjangoCSPMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if settings.DEBUG or any(hasattr(response, name) for name in _PER_RESPONSE):
            return super().process_response(request, response)
        nonce = getattr(request, "_csp_nonce", None)
        for header, setting, report_only in _POLICIES:
            policy = _policy(report_only=report_only, with_nonce=nonce is not None)
            if nonce is not None:
                policy = policy.replace(_NONCE_PLACEHOLDER, nonce)
            if policy and header not in response and not request.path_info.startswith(_excluded_prefixes(setting)):
                response[header] = policy
        if nonce is None:  # as django-csp: a nonce asked for after the header is written is an error
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
