from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from .forms import AccountCloseForm, CertificateNameForm, LanguageChoiceForm
from .languages import language_cookie_set
from .requests import AuthenticatedRequest
from .services import (
    AccountClosureRefused,
    CertificateNameChangeRefused,
    account_close,
    certificate_name_change_preview,
    personal_data_export,
    user_set_preferred_language,
    user_update_certificate_name,
)


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    form = CertificateNameForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            reissued = user_update_certificate_name(
                user=request.user, certificate_name=form.cleaned_data["certificate_name"], now=timezone.now()
            )
        except CertificateNameChangeRefused as refused:
            form.add_error("certificate_name", str(refused))
        else:
            messages.success(request, _("Your certificate name is saved."))
            if reissued:
                messages.info(
                    request,
                    _(
                        "Your certificates are being re-issued with the new name: %(courses)s. "
                        "The old ones now show as superseded."
                    )
                    % {"courses": ", ".join(reissued)},
                )
            return redirect("profile")
    current = certificate_name_change_preview(user_id=request.user.pk, now=timezone.now())
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "current_certificates": current, "languages": settings.LANGUAGES},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def personal_data(request: AuthenticatedRequest) -> HttpResponse:
    """What the platform holds about the person, and the download of all of it as JSON. The
    download is a POST, so that a link prefetch never makes one (each is in the audit log)."""
    if request.method == "GET":
        return render(request, "accounts/personal_data.html")
    now = timezone.now()
    response = JsonResponse(
        personal_data_export(user=request.user, now=now),
        encoder=DjangoJSONEncoder,
        json_dumps_params={"indent": 2, "ensure_ascii": False},
    )
    response["Content-Disposition"] = f'attachment; filename="grok4-certification-data-{now:%Y-%m-%d}.json"'
    return response


@login_required
@never_cache
@reauthentication_required
@require_http_methods(["GET", "POST"])
def account_close_view(request: AuthenticatedRequest) -> HttpResponse:
    """Closing one's own account: what it erases and what it withdraws, then the confirmation.
    Asks for the password (or second factor) again first, like the other sensitive settings."""
    form = AccountCloseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            account_close(user=request.user, actor=request.user, now=timezone.now())
        except AccountClosureRefused as refused:
            form.add_error(None, str(refused))
        else:
            logout(request)
            messages.success(request, _("Your account is closed and your personal data erased."))
            return redirect("courses:home")
    # The current certificates carry the name: those a name change re-issues, closing withdraws.
    withdrawn = certificate_name_change_preview(user_id=request.user.pk, now=timezone.now())
    return render(request, "accounts/close.html", {"form": form, "certificates": withdrawn})


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The language switcher: Django's set_language, which also remembers a signed-in person's
    choice on the account and answers a language the platform does not offer with a 400."""
    form = LanguageChoiceForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/language_refused.html", {"languages": settings.LANGUAGES}, status=400)
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        user_set_preferred_language(user=request.user, language=language)
    response = redirect(_same_site_destination(request, form.cleaned_data["next"]))
    language_cookie_set(response, language)
    return response


def _same_site_destination(request: HttpRequest, next_url: str) -> str:
    """The page to return to: `next`, else the referring page, when either is on this site."""
    allowed_hosts = {request.get_host()}
    for candidate in (next_url, request.headers.get("Referer", "")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts=allowed_hosts, require_https=request.is_secure()
        ):
            return candidate
    return "/"
