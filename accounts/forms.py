from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import User
from .names import CERTIFICATE_NAME_MAX_LENGTH, certificate_name_validate


class CertificateNameForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["certificate_name"]
        widgets = {
            "certificate_name": forms.TextInput(
                attrs={"autocomplete": "name", "dir": "auto", "maxlength": CERTIFICATE_NAME_MAX_LENGTH}
            )
        }

    def clean_certificate_name(self) -> str:
        name = self.cleaned_data["certificate_name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the name to print on your certificates."))
        certificate_name_validate(name)
        return name


class LanguageChoiceForm(forms.Form):
    """What the language switcher posts: a language the platform offers, and the page to go back to."""

    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False)
