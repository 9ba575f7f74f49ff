from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.api import AuthenticatedRequest
from certificates import api as certificates_api

from . import selectors, services
from .preview import pdf_first_page_png


@login_required
@require_POST
def profile_toggle(request: AuthenticatedRequest, credential_id: str) -> HttpResponse:
    public = request.POST.get("public") == "on"
    try:
        services.certificate_profile_set(user_id=request.user.pk, credential_id=credential_id, public=public)
    except services.NotYourCertificate as refused:
        raise Http404(str(refused)) from refused
    messages.success(request, _("Your public profile page is on.") if public else _("Your public profile page is off."))
    return redirect("certificates:list")


@require_GET
def profile_page(request: HttpRequest, credential_id: str) -> HttpResponse:
    summary = selectors.certificate_profile_public(credential_id=credential_id)
    if summary is None:
        raise Http404("This profile page is not public.")
    return render(request, "sharing/profile.html", {"certificate": summary})


@login_required
@require_GET
def pdf_preview(request: AuthenticatedRequest, credential_id: str) -> HttpResponse:
    pdf = certificates_api.certificate_pdf_for_learner(credential_id=credential_id, user_id=request.user.pk)
    if pdf is None:
        raise Http404("No certificate PDF of yours has this ID.")
    response = HttpResponse(pdf_first_page_png(pdf), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response
