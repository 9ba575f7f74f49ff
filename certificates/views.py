from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from accounts.api import AuthenticatedRequest, staff_required

from . import badges, selectors, services
from .credential_id import CredentialIdError, credential_id_parse
from .forms import CredentialIdForm, NoteForm, RevokeForm, UploadForm
from .issuer import issuer_paths, public_jwk
from .models import Certificate
from .openapi import openapi_document
from .ratelimit import verification_rate_limited
from .verification import credential_public_record, credential_status_display, upload_verify

# Room for the multipart envelope around the file itself.
_UPLOAD_ENVELOPE_BYTES = 64 * 1024
_NOT_FOUND = "No certificate has this id. Check it against the certificate."


def _public_certificate(credential_id: str) -> Certificate:
    try:
        stored = credential_id_parse(credential_id)
    except CredentialIdError as exc:
        raise Http404(str(exc)) from exc
    certificate = selectors.certificate_get_public(credential_id=stored)
    if certificate is None:
        raise Http404("No certificate has this id.")
    return certificate


# --- Verification (public) ----------------------------------------------------------------


@require_GET
def verify_form(request: HttpRequest) -> HttpResponse:
    form = CredentialIdForm(request.GET or None)
    if form.is_valid():
        certificate = selectors.certificate_get_public(credential_id=form.cleaned_data["credential_id"])
        if certificate is not None:
            return redirect("certificates:verify_detail", certificate.display_id)
        form.add_error("credential_id", _NOT_FOUND)
    return render(request, "certificates/verify_form.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
@verification_rate_limited(json=False)
def verify_detail(request: HttpRequest, credential_id: str) -> HttpResponse:
    try:
        stored = credential_id_parse(credential_id)
    except CredentialIdError as exc:
        form = CredentialIdForm(initial={"credential_id": credential_id})
        context = {"form": form, "lookup_error": str(exc), "mistyped": exc.mistyped, "typed": credential_id}
        return render(request, "certificates/verify_form.html", context, status=400)
    certificate = selectors.certificate_get_public(credential_id=stored)
    if certificate is None:
        context = {
            "form": CredentialIdForm(initial={"credential_id": credential_id}),
            "typed": credential_id,
            "lookup_error": _NOT_FOUND,
        }
        return render(request, "certificates/verify_form.html", context, status=404)
    return render(
        request,
        "certificates/verify_detail.html",
        {
            "certificate": certificate,
            **credential_status_display(certificate, now=timezone.now()),
            "issuer_name": settings.CERT_ISSUER_NAME,
        },
    )


class _InMemoryUploadHandler(MemoryFileUploadHandler):
    """Keeps the upload in memory even above FILE_UPLOAD_MAX_MEMORY_SIZE, so an uploaded
    PDF is never written to disk; the request size was bounded before this runs."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.activated = True


@csrf_exempt
def verify_upload(request: HttpRequest) -> HttpResponse:
    # Upload handlers must be set before anything reads the body, CSRF included, hence
    # the exempt/protect pair (the pattern Django's upload documentation gives).
    if request.method == "POST":
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > settings.CERT_UPLOAD_MAX_BYTES + _UPLOAD_ENVELOPE_BYTES:
            context = {"form": UploadForm(), "too_large": True}
            return render(request, "certificates/verify_upload.html", context, status=413)
        request.upload_handlers = [_InMemoryUploadHandler(request)]
    return _verify_upload(request)


@csrf_protect
def _verify_upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"form": form}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            context["result"] = upload_verify(form.cleaned_data["pdf"], now=timezone.now())
            context["form"] = UploadForm()
        else:
            status = 400
    return render(request, "certificates/verify_upload.html", context, status=status)


@require_GET
def root_certificate(request: HttpRequest) -> HttpResponse:
    return HttpResponse(issuer_paths().root.read_bytes(), content_type="application/x-pem-file")


# --- Machine-readable ---------------------------------------------------------------------


def _json_error(error: str, detail: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"error": error, "detail": detail, **extra}, status=status)


@require_GET
@verification_rate_limited(json=True)
def api_credential(request: HttpRequest, credential_id: str) -> JsonResponse:
    try:
        stored = credential_id_parse(credential_id)
    except CredentialIdError as exc:
        return _json_error("invalid_credential_id", str(exc), 400, mistyped=exc.mistyped)
    certificate = selectors.certificate_get_public(credential_id=stored)
    if certificate is None:
        return _json_error("not_found", "No certificate has this id.", 404)
    record = credential_public_record(certificate, now=timezone.now())
    response = JsonResponse(record, json_dumps_params={"ensure_ascii": False})
    # Status can change at any time (revocation): never serve it from a cache.
    response["Cache-Control"] = "no-store"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def api_openapi(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(openapi_document())
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    keys = [public_jwk(key.certificate_pem) for key in selectors.signing_key_list()]
    response = JsonResponse({"keys": keys})
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _badge_certificate(credential_id: str) -> Certificate:
    certificate = _public_certificate(credential_id)
    if not certificate.badge_jwt:
        raise Http404("This credential is still being prepared.")
    return certificate


@require_GET
@verification_rate_limited(json=True)
def badge_json(request: HttpRequest, credential_id: str) -> JsonResponse:
    certificate = _badge_certificate(credential_id)
    response = JsonResponse(
        {
            "credential": badges.credential_payload(certificate.badge_jwt),
            "proof_jwt": certificate.badge_jwt,
            "jwks_uri": f"{settings.SITE_URL}/.well-known/jwks.json",
        },
        json_dumps_params={"ensure_ascii": False},
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
@verification_rate_limited(json=False)
def badge_jwt(request: HttpRequest, credential_id: str) -> HttpResponse:
    certificate = _badge_certificate(credential_id)
    response = HttpResponse(certificate.badge_jwt, content_type=badges.MEDIA_TYPE_JWT)
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- Learner --------------------------------------------------------------------------------


@login_required
@require_GET
def learner_list(request: AuthenticatedRequest) -> HttpResponse:
    certificates = list(selectors.certificate_list_for_learner(user_id=request.user.pk))
    new = services.certificate_notices_take(certificates=certificates)
    now = timezone.now()
    rows = [
        {
            "certificate": certificate,
            **credential_status_display(certificate, now=now),
            "linkedin_url": badges.linkedin_add_url(certificate),
        }
        for certificate in certificates
    ]
    return render(request, "certificates/list.html", {"rows": rows, "new": new})


@login_required
@require_GET
def learner_download(request: HttpRequest, credential_id: str) -> FileResponse:
    certificate = _public_certificate(credential_id)
    if certificate.learner_id != request.user.pk or not certificate.pdf:
        raise Http404("No certificate of yours has this id.")
    return FileResponse(
        certificate.pdf.open("rb"),
        as_attachment=True,
        filename=f"certificate-{certificate.credential_id[:12]}.pdf",
        content_type="application/pdf",
    )


# --- Staff ----------------------------------------------------------------------------------


@staff_required
@require_GET
def manage_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    page = Paginator(selectors.certificate_search(query=query), 25).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(certificate, credential_status_display(certificate, now=now)) for certificate in page.object_list]
    return render(
        request,
        "certificates/manage_list.html",
        {
            "page": page,
            "rows": rows,
            "query": query,
            "page_query": urlencode({"q": query}) + "&",
        },
    )


@staff_required
@require_GET
def manage_detail(request: HttpRequest, credential_id: str) -> HttpResponse:
    certificate = _public_certificate(credential_id)
    return render(request, "certificates/manage_detail.html", _manage_context(certificate))


def _manage_context(certificate: Certificate, **forms) -> dict:
    return {
        "certificate": certificate,
        **credential_status_display(certificate, now=timezone.now()),
        "events": selectors.certificate_events(certificate=certificate),
        "revoke_form": forms.get("revoke_form") or RevokeForm(),
        "reinstate_form": forms.get("reinstate_form") or NoteForm(prefix="reinstate"),
        "reissue_form": forms.get("reissue_form") or NoteForm(prefix="reissue"),
    }


def _manage_action(request: HttpRequest, credential_id: str, form: RevokeForm | NoteForm, form_name: str, action):
    certificate = _public_certificate(credential_id)
    if not form.is_valid():
        return render(
            request, "certificates/manage_detail.html", _manage_context(certificate, **{form_name: form}), status=400
        )
    try:
        message = action(certificate, form.cleaned_data)
    except services.CertificateStateError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, message)
    return redirect("certificates:manage_detail", certificate.display_id)


@staff_required
@require_POST
def manage_revoke(request: HttpRequest, credential_id: str) -> HttpResponse:
    def action(certificate, data):
        services.certificate_revoke(
            certificate_id=certificate.pk, actor=request.user, reason=data["reason"], note=data["note"]
        )
        return f"Certificate {certificate.display_id} is revoked."

    return _manage_action(request, credential_id, RevokeForm(request.POST), "revoke_form", action)


@staff_required
@require_POST
def manage_reinstate(request: HttpRequest, credential_id: str) -> HttpResponse:
    def action(certificate, data):
        services.certificate_reinstate(certificate_id=certificate.pk, actor=request.user, note=data["note"])
        return f"Certificate {certificate.display_id} is valid again."

    return _manage_action(request, credential_id, NoteForm(request.POST, prefix="reinstate"), "reinstate_form", action)


@staff_required
@require_POST
def manage_reissue(request: HttpRequest, credential_id: str) -> HttpResponse:
    def action(certificate, data):
        replacement = services.certificate_reissue(certificate_id=certificate.pk, actor=request.user, note=data["note"])
        return f"Re-issued as {replacement.display_id}; its PDF is being prepared."

    return _manage_action(request, credential_id, NoteForm(request.POST, prefix="reissue"), "reissue_form", action)
