"""Pages for recertification: the holder's renewal page and the instructors' per-version view."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.api import instructor_required
from courses import api as courses_api

from . import recertification
from .credential_id import CredentialIdError, credential_id_parse
from .models import Certificate


def _own_certificate(request: HttpRequest, credential_id: str) -> Certificate:
    try:
        stored = credential_id_parse(credential_id)
    except CredentialIdError as exc:
        raise Http404(str(exc)) from exc
    certificate = Certificate.objects.filter(credential_id=stored, learner_id=request.user.pk).first()
    if certificate is None:
        raise Http404("You hold no certificate with this id.")
    return certificate


@login_required
@require_http_methods(["GET", "POST"])
def renew(request: HttpRequest, credential_id: str) -> HttpResponse:
    certificate = _own_certificate(request, credential_id)
    now = timezone.now()
    status = 200
    if request.method == "POST":
        try:
            replacement = recertification.certificate_renew(certificate_id=certificate.pk, now=now)
        except recertification.RenewalNotReady as exc:
            messages.error(request, str(exc))
            status = 400
        else:
            messages.success(
                request,
                _("Renewed: your new certificate %(id)s covers version %(version)s; its PDF is being prepared.")
                % {"id": replacement.display_id, "version": replacement.course_version},
            )
            return redirect("certificates:list")
    plan = recertification.certificate_renewal_plan(certificate=certificate, now=now)
    return render(request, "certificates/renewal.html", {"certificate": certificate, "plan": plan}, status=status)


@instructor_required
@require_GET
def versions(request: HttpRequest, course_slug: str) -> HttpResponse:
    course = courses_api.course_get(slug=course_slug)
    if course is None:
        raise Http404("No published course has this slug.")
    overview = recertification.renewal_overview(course_id=course.id, now=timezone.now())
    return render(request, "certificates/renewal_versions.html", {"course": course, "overview": overview})
