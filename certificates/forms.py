from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .credential_id import CredentialIdError, credential_id_parse
from .models import Certificate
from .verification import VERIFIABLE_PREFIXES


class CredentialIdForm(forms.Form):
    credential_id = forms.CharField(
        label=_("Credential ID"),
        max_length=40,
        help_text=_("Printed on the certificate, for example 7K3M-9Q2W-X4RT-8. Case and hyphens do not matter."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
    )

    def clean_credential_id(self) -> str:
        try:
            return credential_id_parse(self.cleaned_data["credential_id"])
        except CredentialIdError as exc:
            raise forms.ValidationError(str(exc)) from exc


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


_UPLOAD_LIMIT = _megabytes(settings.CERT_UPLOAD_MAX_BYTES)


class UploadForm(forms.Form):
    pdf = forms.FileField(
        label=_("Certificate PDF or badge image"),
        help_text=format_lazy(
            _(
                "The PDF or the badge PNG exactly as you received it, up to {limit}. It is checked in memory and not kept."
            ),
            limit=_UPLOAD_LIMIT,
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf,image/png,.png"}),
    )

    def clean_pdf(self) -> bytes:
        upload = self.cleaned_data["pdf"]
        if upload.size > settings.CERT_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s; our certificates are far smaller."),
                params={"limit": _UPLOAD_LIMIT},
            )
        data = upload.read()
        if not data.startswith(VERIFIABLE_PREFIXES):
            raise forms.ValidationError(_("This file is not a PDF or a PNG badge image."))
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (the pattern Django's documentation gives)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class BulkForm(forms.Form):
    """Ids pasted or in a CSV file, or several PDFs; the view reads whichever is given."""

    credential_ids = forms.CharField(
        label=_("Credential IDs"),
        required=False,
        max_length=100 * 41,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
        help_text=format_lazy(
            _("Up to {limit}, one per line or separated by commas."), limit=settings.CERT_BULK_MAX_IDS
        ),
    )
    csv_file = forms.FileField(
        label=_("Or a CSV file of IDs"),
        required=False,
        help_text=_("The first column of each row; a header row is skipped."),
        widget=forms.ClearableFileInput(attrs={"accept": "text/csv,.csv"}),
    )
    pdfs = MultipleFileField(
        label=_("Or certificate PDFs"),
        required=False,
        help_text=format_lazy(
            _("Up to {count} files, each up to {limit}; read in memory and not kept."),
            count=settings.CERT_BULK_MAX_FILES,
            limit=_UPLOAD_LIMIT,
        ),
        widget=MultipleFileInput(attrs={"accept": "application/pdf,.pdf,image/png,.png"}),
    )


class RevokeForm(forms.Form):
    # No reason is preselected: whoever revokes picks one on purpose.
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[
            ("", _("Choose a reason")),
            *(
                (value, label)
                for value, label in Certificate.RevocationReason.choices
                if value != Certificate.RevocationReason.HOLDER_REQUEST
            ),
        ],
    )
    note = forms.CharField(
        label=_("Note for the audit trail"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Not shown publicly: the verification page shows only the reason category."),
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand that the public verification page shows this certificate as revoked at once, "
            "and employers who check it will see that."
        ),
        error_messages={"required": _("Tick the box to confirm the revocation.")},
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the audit trail"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReissueForm(NoteForm):
    confirm = forms.BooleanField(
        label=_(
            "I understand that this certificate becomes superseded and the learner gets a new credential ID; "
            "links already shared keep working but point to the new certificate."
        ),
        error_messages={"required": _("Tick the box to confirm the re-issue.")},
    )
