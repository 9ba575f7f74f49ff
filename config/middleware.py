"""Requests no view could read are answered 400 here, before anything parses them."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotFound
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

_FORM_TYPES = {"application/x-www-form-urlencoded"}
_TEXT = "text/plain; charset=utf-8"


def _holds_nul(values) -> bool:
    return any("\x00" in value for value in values)


class MalformedRequestMiddleware:
    """Refuse what would otherwise end in a 500 deep inside a view or the database driver:

    - a Content-Length header that is not a number (Django's request reads it with int());
    - a NUL character in the query string or a posted form field (in the path: a 404, no page
      has that address). No text column can hold it on PostgreSQL, so it would fail at the
      first query that used it. Forms
      (Django's CharField) already refuse it field by field; this covers every value a view
      reads by hand. Multipart bodies are left to the view, which may set upload handlers
      before the body is read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self._refusal(request)
        if refusal is None:
            return self.get_response(request)
        # First in the chain, before LocaleMiddleware: a refusal speaks the language the cookie or
        # Accept-Language asks for, worked out here only when there is one to say.
        response_class, message = refusal
        with translation.override(translation.get_language_from_request(request)):
            return response_class(str(message), content_type=_TEXT)

    def _refusal(self, request: HttpRequest) -> tuple[type[HttpResponse], Promise] | None:
        length = request.META.get("CONTENT_LENGTH") or ""
        if length and not (length.isascii() and length.isdigit()):
            return HttpResponseBadRequest, _("The request's Content-Length header is not a number.")
        if "\x00" in request.path:
            return HttpResponseNotFound, _("No page has a NUL character in its address.")
        values = [value for key in request.GET for value in [key, *request.GET.getlist(key)]]
        # The raw body, not request.POST: parsing it here would stop a view from choosing its
        # upload handlers. In a form-encoded body a NUL is "%00" (or, sent raw, a zero byte).
        form_body = request.body if request.method == "POST" and request.content_type in _FORM_TYPES else b""
        if _holds_nul(values) or b"%00" in form_body or b"\x00" in form_body:
            return HttpResponseBadRequest, _(
                "What you sent contains a NUL character (code 0), which cannot be saved. Remove it and try again."
            )
        return None
