"""The interface language: picked with the switcher, kept on the account of a signed-in
person, and carried between requests by Django's language cookie, so that choosing the
language of a page never costs a query."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation

# Set on the request by a sign-in that restored the account's language; the middleware then
# sends the cookie with the response.
RESTORED_LANGUAGE_ATTRIBUTE = "restored_language"


def language_is_offered(code: str) -> bool:
    return code in dict(settings.LANGUAGES)


def language_active() -> str:
    """The offered language this request is served in ("" outside a request, or for a variant
    LocaleMiddleware would not have picked)."""
    code = translation.get_language() or ""
    return code if language_is_offered(code) else ""


def language_cookie_set(response: HttpResponseBase, code: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]  # "Lax", typed as any str
    )


@receiver(user_logged_in, dispatch_uid="accounts.language_restore_on_login")
def language_restore_on_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Signing in switches to the language saved on the account, for the rest of this request
    (allauth's "Signed in as" message) and, through the cookie, for the next ones.

    Only for requests LocaleMiddleware served: the test client's force_login passes a bare
    request, and activating a language there would leak it into the caller's thread.
    """
    language = getattr(user, "preferred_language", "")
    if request is None or not hasattr(request, "LANGUAGE_CODE") or not language_is_offered(language):
        return
    translation.activate(language)
    request.LANGUAGE_CODE = language
    setattr(request, RESTORED_LANGUAGE_ATTRIBUTE, language)
