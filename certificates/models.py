from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .credential_id import credential_id_format


class SigningKey(models.Model):
    """A key the platform has signed certificates with.

    Only the public certificate is stored: verification trusts a signature when its
    signer is one of these and chains to the platform's root, so certificates signed
    before a rotation keep verifying. The private key stays in its file.
    """

    # RFC 7638 thumbprint of the public key: the JWS `kid` and the JWKS entry.
    kid = models.CharField(max_length=64, unique=True)
    certificate_pem = models.TextField()
    is_active = models.BooleanField(default=False, help_text="Signs new certificates.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_signing_key"),
        ]

    def __str__(self) -> str:
        return self.kid


class Certificate(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        REVOKED = "revoked", _("Revoked")
        SUPERSEDED = "superseded", _("Superseded")

    class RevocationReason(models.TextChoices):
        ACADEMIC_MISCONDUCT = "academic_misconduct", _("Academic misconduct")
        ISSUED_IN_ERROR = "issued_in_error", _("Issued in error")
        IDENTITY_MISMATCH = "identity_mismatch", _("Identity mismatch")
        # Set only by the holder closing their account, never chosen by staff.
        HOLDER_REQUEST = "holder_request", _("Withdrawn at the holder's request")
        OTHER = "other", _("Other")

    credential_id = models.CharField(max_length=13, unique=True, editable=False)
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates")
    course = models.ForeignKey("courses.Course", on_delete=models.PROTECT, related_name="certificates")
    # Snapshots: what the certificate says stays fixed when the course or profile changes.
    course_title = models.CharField(max_length=200)
    course_version = models.CharField(max_length=40)
    holder_name = models.CharField(max_length=200, help_text="Exactly as the learner entered it.")
    exam_score = models.FloatField(null=True, blank=True)
    demos_passed = models.JSONField(default=list, blank=True)  # [{"slug", "title", "score"}]
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.VALID)
    revocation_reason = models.CharField(max_length=32, choices=RevocationReason.choices, blank=True)
    revocation_note = models.TextField(blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )
    test_mode = models.BooleanField(default=False)
    pdf = models.FileField(upload_to="certificates/", blank=True)
    # SHA-256 of the PDF as currently served (it grows when refresh_timestamps appends).
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    # Hashes of the versions refresh_timestamps replaced: copies downloaded earlier stay genuine.
    earlier_pdf_sha256 = models.JSONField(default=list, blank=True)
    signing_key = models.ForeignKey(SigningKey, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The Open Badges 3.0 credential as a compact JWS, signed with the same key as the PDF.
    badge_jwt = models.TextField(blank=True)
    # The language the PDF is printed in, fixed at issuance with the signed bytes: the holder's
    # chosen language, else the one they were using when they earned it (see services).
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    notified_at = models.DateTimeField(null=True, blank=True)
    notice_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            # Issued exactly once per learner and course version; re-issues supersede first.
            models.UniqueConstraint(
                fields=["learner", "course", "course_version"],
                condition=~Q(status="superseded"),
                name="one_current_certificate_per_course_version",
            ),
            models.UniqueConstraint(
                fields=["pdf_sha256"], condition=~Q(pdf_sha256=""), name="certificate_pdf_sha256_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.display_id

    @property
    def display_id(self) -> str:
        return credential_id_format(self.credential_id)

    @property
    def verification_url(self) -> str:
        return f"{settings.SITE_URL}/verify/{self.display_id}/"

    @property
    def holder_erased(self) -> bool:
        """The holder closed their account: the certificate no longer names anybody."""
        return not self.holder_name

    @property
    def holder_shown(self) -> str:
        """The name as pages show it, or what stands in its place once the holder closed their
        account: our own translated words, safe like a template's literal text."""
        return self.holder_name or mark_safe(gettext("Name removed at the holder's request"))

    @property
    def served_pdf_sha256(self) -> set[str]:
        """Every version of the PDF we handed out (the current one and the ones it extends)."""
        return {self.pdf_sha256, *self.earlier_pdf_sha256} - {""}

    @property
    def status_list_index(self) -> int:
        """This credential's bit in the public Bitstring Status List (the row id: stable, unique)."""
        return self.pk


class CertificateEvent(models.Model):
    """The audit trail: never edited or deleted."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Issued")
        PDF_SIGNED = "pdf_signed", _("PDF rendered and signed")
        NOTIFIED = "notified", _("Learner notified")
        REVOKED = "revoked", _("Revoked")
        REINSTATED = "reinstated", _("Reinstated")
        REISSUED = "reissued", _("Re-issued")
        SUPERSEDED = "superseded", _("Superseded")
        TIMESTAMPED = "timestamped", _("Document timestamp renewed")

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.certificate} {self.kind}"


class Verification(models.Model):
    """One look at a certificate by someone other than its holder. Only the channel and
    the time are kept: nothing about who verified."""

    class Channel(models.TextChoices):
        PAGE = "page", _("Verification page")
        API = "api", _("API")
        UPLOAD = "upload", _("PDF or badge upload")
        BULK = "bulk", _("Bulk verification")

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="verifications")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.certificate} {self.channel}"


class VerificationTally(models.Model):
    """Verifications older than the log keeps (CERT_VERIFICATION_LOG_DAYS), counted per
    certificate and channel by `verifications_roll_up`: the public pages add a row per look,
    and the holder's count stays whole while the log stays small."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="verification_tallies")
    channel = models.CharField(max_length=8, choices=Verification.Channel.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["certificate", "channel"], name="one_verification_tally_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.certificate} {self.channel}: {self.count}"


class RenewalNotice(models.Model):
    """A renewal reminder e-mailed to a holder, kept so that each is sent once per certificate and kind."""

    class Kind(models.TextChoices):
        EXPIRING = "expiring", _("Expires soon")
        NEW_VERSION = "new_version", _("A newer course version")

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="renewal_notices")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["certificate", "kind"], name="one_renewal_notice_per_kind")]
