from django import forms

from .models import User


class CertificateNameForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["certificate_name"]
        widgets = {"certificate_name": forms.TextInput(attrs={"autocomplete": "name", "dir": "auto"})}

    def clean_certificate_name(self) -> str:
        name = self.cleaned_data["certificate_name"].strip()
        if not name:
            raise forms.ValidationError("Enter the name to print on your certificates.")
        if any(ord(ch) < 32 for ch in name):
            raise forms.ValidationError("The name cannot contain control characters.")
        return name
