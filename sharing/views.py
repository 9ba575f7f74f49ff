from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services


@login_required
@require_POST
def profile_toggle(request: HttpRequest, credential_id: str) -> HttpResponse:
    public = request.POST.get("public") == "on"
    try:
        services.certificate_profile_set(user_id=request.user.pk, credential_id=credential_id, public=public)
    except services.NotYourCertificate as refused:
        raise Http404(str(refused)) from refused
    messages.success(request, "Your public profile page is on." if public else "Your public profile page is off.")
    return redirect("certificates:list")


@require_GET
def profile_page(request: HttpRequest, credential_id: str) -> HttpResponse:
    summary = selectors.certificate_profile_public(credential_id=credential_id)
    if summary is None:
        raise Http404("This profile page is not public.")
    return render(request, "sharing/profile.html", {"certificate": summary})
