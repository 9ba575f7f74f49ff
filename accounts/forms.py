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


class AccountCloseForm(forms.Form):
    """Typing the account's e-mail address is the deliberate step that a stray click is not."""

    email = forms.CharField(
        label=_("Type your e-mail address to confirm"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_email(self) -> str:
        typed = self.cleaned_data["email"].strip()
        if typed.casefold() != self.user.email.casefold():
            raise forms.ValidationError(_("This is not the e-mail address of the account you are signed in to."))
        return typed
