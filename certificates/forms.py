from django import forms
from django.conf import settings

from .credential_id import CredentialIdError, credential_id_parse
from .models import Certificate


class CredentialIdForm(forms.Form):
    credential_id = forms.CharField(
        label="Credential ID",
        max_length=40,
        help_text="Printed on the certificate, for example 7K3M-9Q2W-X4RT-8. Case and hyphens do not matter.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
    )

    def clean_credential_id(self) -> str:
        try:
            return credential_id_parse(self.cleaned_data["credential_id"])
        except CredentialIdError as exc:
            raise forms.ValidationError(str(exc)) from exc


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


class UploadForm(forms.Form):
    pdf = forms.FileField(
        label="Certificate PDF",
        help_text=f"The PDF file exactly as you received it, up to {_megabytes(settings.CERT_UPLOAD_MAX_BYTES)}. "
        "It is checked in memory and not kept.",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def clean_pdf(self) -> bytes:
        upload = self.cleaned_data["pdf"]
        if upload.size > settings.CERT_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {_megabytes(settings.CERT_UPLOAD_MAX_BYTES)}; "
                "our certificates are far smaller."
            )
        data = upload.read()
        if not data.startswith(b"%PDF-"):
            raise forms.ValidationError("This file is not a PDF.")
        return data


class RevokeForm(forms.Form):
    # No reason is preselected: whoever revokes picks one on purpose.
    reason = forms.ChoiceField(label="Reason", choices=[("", "Choose a reason"), *Certificate.RevocationReason.choices])
    note = forms.CharField(
        label="Note for the audit trail",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Not shown publicly: the verification page shows only the reason category.",
    )
    confirm = forms.BooleanField(
        label="I understand that the public verification page shows this certificate as revoked at once, "
        "and employers who check it will see that.",
        error_messages={"required": "Tick the box to confirm the revocation."},
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label="Note for the audit trail", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReissueForm(NoteForm):
    confirm = forms.BooleanField(
        label="I understand that this certificate becomes superseded and the learner gets a new credential ID; "
        "links already shared keep working but point to the new certificate.",
        error_messages={"required": "Tick the box to confirm the re-issue."},
    )
