import base64
import csv
import io
import json
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.api import AuthenticatedRequest, staff_required
from courses import api as courses_api

from . import badges, baking, selectors, services, verification
from .credential_id import CredentialIdError, credential_id_parse
from .forms import BulkForm, CredentialIdForm, NoteForm, ReissueForm, RevokeForm, UploadForm
from .issuer import issuer_paths, public_jwk, revocation_lists, signer_load
from .models import Certificate, Verification
from .openapi import openapi_document
from .public_api import json_error, public_api
from .ratelimit import client_ip, rate_limit_hit, verification_rate_limited
from .verification import credential_public_record, credential_status_display, file_verify

# Room for the multipart envelope around the file itself.
_UPLOAD_ENVELOPE_BYTES = 64 * 1024
_NOT_FOUND = gettext_lazy("No certificate has this id. Check it against the certificate.")


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
@verification_rate_limited
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
    _count_verifications(request, [certificate], Verification.Channel.PAGE)
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
            result = file_verify(form.cleaned_data["pdf"], now=timezone.now())
            if result.certificate is not None:
                _count_verifications(request, [result.certificate], Verification.Channel.UPLOAD)
            context["result"] = result
            context["form"] = UploadForm()
        else:
            status = 400
    return render(request, "certificates/verify_upload.html", context, status=status)


@require_GET
def root_certificate(request: HttpRequest) -> HttpResponse:
    return HttpResponse(issuer_paths().root.read_bytes(), content_type="application/x-pem-file")


# --- Machine-readable (public API: CORS, 405 with Allow, HEAD and OPTIONS) -----------------


@public_api("GET", rate_scope="verification")
def api_credential(request: HttpRequest, credential_id: str) -> JsonResponse:
    try:
        stored = credential_id_parse(credential_id)
    except CredentialIdError as exc:
        return json_error("invalid_credential_id", str(exc), 400, mistyped=exc.mistyped)
    certificate = selectors.certificate_get_public(credential_id=stored)
    if certificate is None:
        return json_error("not_found", "No certificate has this id.", 404)
    record = credential_public_record(certificate, now=timezone.now())
    _count_verifications(request, [certificate], Verification.Channel.API)
    response = JsonResponse(record, json_dumps_params={"ensure_ascii": False})
    # Status can change at any time (revocation): never serve it from a cache.
    response["Cache-Control"] = "no-store"
    return response


@public_api("POST", rate_scope="bulk")
def api_credentials_verify(request: HttpRequest) -> JsonResponse:
    """Up to 100 ids as JSON {"credential_ids": [...]}, or up to 20 files as multipart `file`."""
    if int(request.META.get("CONTENT_LENGTH") or 0) > _bulk_upload_limit():
        return json_error("too_large", "At most 20 files of the upload size limit each.", 413)
    # Read in memory like /verify/upload/: an uploaded PDF is never written to disk.
    request.upload_handlers = [_InMemoryUploadHandler(request)]
    try:
        if request.content_type == "multipart/form-data":
            rows = _bulk_files(request.FILES.getlist("file"))
        else:
            rows = _bulk_ids_from_json(request.body)
    except BulkInputError as exc:
        return json_error("invalid_request", str(exc), 400)
    response = JsonResponse({"results": [row.as_record() for row in rows]}, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


@public_api("GET")
def api_openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openapi_document())


@public_api("GET")
def jwks(request: HttpRequest) -> JsonResponse:
    keys = [{**public_jwk(key.certificate_pem), "kid": badges.key_uri(key.kid)} for key in selectors.signing_key_list()]
    response = JsonResponse({"keys": keys})
    response["Cache-Control"] = "public, max-age=300"
    return response


@public_api("GET")
def issuer_profile(request: HttpRequest) -> JsonResponse:
    """The issuer's Profile document; each badge's `kid` is a fragment of this URL."""
    keys = [(key.kid, public_jwk(key.certificate_pem)) for key in selectors.signing_key_list()]
    response = JsonResponse(badges.issuer_profile(signing_keys=keys), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=300"
    return response


@public_api("GET")
def status_list(request: HttpRequest) -> HttpResponse:
    """The W3C Bitstring Status List of revoked, superseded and test-mode credentials."""
    credential = badges.status_list_credential(
        revoked_indexes=selectors.status_list_revoked_indexes(), now=timezone.now()
    )
    token = badges.status_list_token(credential, signer=signer_load())
    response = HttpResponse(token, content_type=badges.MEDIA_TYPE_JWT)
    response["Cache-Control"] = "no-store"
    return response


@public_api("GET")
def revocation_list(request: HttpRequest) -> HttpResponse:
    crls = revocation_lists()
    if not crls:
        raise Http404("No revocation list is published.")
    return HttpResponse(crls[0], content_type="application/pkix-crl")


def _badge_certificate(credential_id: str) -> Certificate:
    certificate = _public_certificate(credential_id)
    if not certificate.pdf_sha256:
        raise Http404("This credential is still being prepared.")
    if certificate.holder_erased:
        raise Http404("The holder withdrew this credential when they closed their account.")
    return certificate


def _badge_credential(certificate: Certificate) -> dict:
    if certificate.badge_jwt:
        return badges.credential_payload(certificate.badge_jwt)
    # Test mode: never signed; built on request and marked revoked in the status list.
    return badges.credential_build(certificate, course=courses_api.course_get_by_id(course_id=certificate.course_id))


@public_api("GET", rate_scope="verification")
def badge_json(request: HttpRequest, credential_id: str) -> JsonResponse:
    """The Open Badges credential alone (the signed form is the .jwt next to it)."""
    credential = _badge_credential(_badge_certificate(credential_id))
    return JsonResponse(credential, json_dumps_params={"ensure_ascii": False})


@public_api("GET", rate_scope="verification")
def badge_jwt(request: HttpRequest, credential_id: str) -> HttpResponse:
    certificate = _badge_certificate(credential_id)
    if not certificate.badge_jwt:
        return json_error("not_signed", "Test-mode credentials are never signed.", 404)
    return HttpResponse(certificate.badge_jwt, content_type=badges.MEDIA_TYPE_JWT)


@public_api("GET")
def badge_png(request: HttpRequest, credential_id: str) -> HttpResponse:
    """The baked badge: a PNG with the credential inside, for any Open Badges 3.0 verifier."""
    certificate = _badge_certificate(credential_id)
    baked = certificate.badge_jwt or json.dumps(_badge_credential(certificate), ensure_ascii=False)
    response = HttpResponse(baking.badge_bake(baked), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="badge-{certificate.credential_id[:12]}.png"'
    return response


# --- Bulk verification for employers -------------------------------------------------------


class BulkInputError(ValueError):
    pass


_ID_SEPARATORS = re.compile(r"[\s,;]+")


def _ids_from_text(text: str) -> list[str]:
    return [token for token in _ID_SEPARATORS.split(text) if token]


def _ids_from_csv(data: bytes) -> list[str]:
    """The first non-empty cell of each row; a header row (naming an "id" column) is skipped."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BulkInputError(_("The CSV file must be UTF-8 text.")) from exc
    cells = [next((cell.strip() for cell in row if cell.strip()), "") for row in csv.reader(io.StringIO(text))]
    cells = [cell for cell in cells if cell]
    if cells and "id" in cells[0].lower():
        cells = cells[1:]
    return cells


def _bulk_ids(submitted: list[str]) -> list[verification.BulkRow]:
    if not submitted:
        raise BulkInputError(_("Give at least one credential id."))
    if len(submitted) > settings.CERT_BULK_MAX_IDS:
        raise BulkInputError(
            _("At most %(limit)d ids at a time; %(given)d were given.")
            % {"limit": settings.CERT_BULK_MAX_IDS, "given": len(submitted)}
        )
    return verification.bulk_verify_ids(submitted, now=timezone.now())


def _bulk_ids_from_json(body: bytes) -> list[verification.BulkRow]:
    try:
        data = json.loads(body or b"null")
    except ValueError as exc:
        raise BulkInputError(_('The body must be JSON: {"credential_ids": ["7K3M-9Q2W-X4RT-8", ...]}.')) from exc
    ids = data.get("credential_ids") if isinstance(data, dict) else None
    if not isinstance(ids, list) or not all(isinstance(value, str) and len(value) <= 40 for value in ids):
        raise BulkInputError(_("credential_ids must be a list of strings (credential ids)."))
    return _bulk_ids(ids)


def _bulk_files(uploads: list) -> list[verification.BulkRow]:
    if not uploads:
        raise BulkInputError(_("Attach at least one certificate PDF."))
    if len(uploads) > settings.CERT_BULK_MAX_FILES:
        raise BulkInputError(
            _("At most %(limit)d files at a time; %(given)d were given.")
            % {"limit": settings.CERT_BULK_MAX_FILES, "given": len(uploads)}
        )
    files = []
    for upload in uploads:
        if upload.size > settings.CERT_UPLOAD_MAX_BYTES:
            raise BulkInputError(
                _("%(name)s is larger than our limit; certificates we issue are far smaller.") % {"name": upload.name}
            )
        data = upload.read()
        if not data.startswith(verification.VERIFIABLE_PREFIXES):
            raise BulkInputError(_("%(name)s is not a PDF or a badge image.") % {"name": upload.name})
        files.append((upload.name, data))
    return verification.bulk_verify_files(files, now=timezone.now())


def _bulk_upload_limit() -> int:
    return settings.CERT_BULK_MAX_FILES * settings.CERT_UPLOAD_MAX_BYTES + _UPLOAD_ENVELOPE_BYTES


def _bulk_csv(rows: list[verification.BulkRow]) -> str:
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=verification.BULK_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({name: "" if value is None else value for name, value in row.as_record().items()})
    return output.getvalue()


@csrf_exempt
def verify_bulk(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if int(request.META.get("CONTENT_LENGTH") or 0) > _bulk_upload_limit():
            return render(request, "certificates/verify_bulk.html", {"form": BulkForm(), "too_large": True}, status=413)
        request.upload_handlers = [_InMemoryUploadHandler(request)]
    return _verify_bulk(request)


@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def _verify_bulk(request: HttpRequest) -> HttpResponse:
    form = BulkForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form}
    if request.method != "POST":
        return render(request, "certificates/verify_bulk.html", context)
    wait = rate_limit_hit(
        scope="bulk",
        ident=client_ip(request),
        limit=settings.CERT_BULK_RATE_LIMIT,
        window=settings.CERT_BULK_RATE_WINDOW,
    )
    if wait is not None:
        context["rate_limited"] = wait
        return render(request, "certificates/verify_bulk.html", context, status=429)
    try:
        if not form.is_valid():
            raise BulkInputError(_("Check the form."))
        pdfs = form.cleaned_data["pdfs"]
        if pdfs:
            rows = _bulk_files(pdfs)
        elif form.cleaned_data.get("csv_file"):
            rows = _bulk_ids(_ids_from_csv(form.cleaned_data["csv_file"].read()))
        else:
            rows = _bulk_ids(_ids_from_text(form.cleaned_data.get("credential_ids", "")))
    except BulkInputError as exc:
        context["bulk_error"] = str(exc)
        return render(request, "certificates/verify_bulk.html", context, status=400)
    _count_verifications(request, [row.certificate for row in rows if row.certificate], Verification.Channel.BULK)
    csv_text = _bulk_csv(rows)
    context.update(
        rows=rows,
        form=BulkForm(),
        csv_href="data:text/csv;charset=utf-8;base64," + base64.b64encode(csv_text.encode()).decode(),
    )
    return render(request, "certificates/verify_bulk.html", context)


def _count_verifications(request: HttpRequest, certificates: list[Certificate], channel: str) -> None:
    """Employers' checks, per certificate; the holder looking at their own does not count."""
    user_id = request.user.pk if request.user.is_authenticated else None
    counted = [certificate.pk for certificate in certificates if certificate.learner_id != user_id]
    if counted:
        services.verifications_record(certificate_ids=counted, channel=channel)


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
            "verified_by_others": getattr(certificate, "verification_count", 0),  # annotated by the selector
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
        "reissue_form": forms.get("reissue_form") or ReissueForm(prefix="reissue"),
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
        return _("Certificate %(id)s is revoked.") % {"id": certificate.display_id}

    return _manage_action(request, credential_id, RevokeForm(request.POST), "revoke_form", action)


@staff_required
@require_POST
def manage_reinstate(request: HttpRequest, credential_id: str) -> HttpResponse:
    def action(certificate, data):
        services.certificate_reinstate(certificate_id=certificate.pk, actor=request.user, note=data["note"])
        return _("Certificate %(id)s is valid again.") % {"id": certificate.display_id}

    return _manage_action(request, credential_id, NoteForm(request.POST, prefix="reinstate"), "reinstate_form", action)


@staff_required
@require_POST
def manage_reissue(request: HttpRequest, credential_id: str) -> HttpResponse:
    def action(certificate, data):
        replacement = services.certificate_reissue(certificate_id=certificate.pk, actor=request.user, note=data["note"])
        return _("Re-issued as %(id)s; its PDF is being prepared.") % {"id": replacement.display_id}

    return _manage_action(request, credential_id, ReissueForm(request.POST, prefix="reissue"), "reissue_form", action)
