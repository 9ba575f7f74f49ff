from allauth.mfa.utils import is_mfa_enabled
from django.shortcuts import redirect
from django.urls import reverse

from .languages import RESTORED_LANGUAGE_ATTRIBUTE, language_cookie_set

# Paths an instructor or staff member without MFA may still reach: setting MFA up
# needs the account pages, and the assets those pages load.
_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/media/")


class RequireMfaForPrivilegedRolesMiddleware:
    """Instructors and staff must enrol a second factor before using the platform."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.requires_mfa
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and not is_mfa_enabled(user)
        ):
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        return self.get_response(request)


class RestoredLanguageCookieMiddleware:
    """Sends the language cookie when a sign-in restored the account's language (see
    accounts.languages); every other request reads the language from the cookie alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        language = getattr(request, RESTORED_LANGUAGE_ATTRIBUTE, "")
        if language:
            language_cookie_set(response, language)
        return response
