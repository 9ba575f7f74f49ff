from django import forms
from django.utils.translation import gettext_lazy


class AccommodationForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Learner's e-mail address"))
    extra_minutes = forms.IntegerField(
        label=gettext_lazy("Extra time (minutes)"),
        min_value=0,
        max_value=600,
        initial=0,
        help_text=gettext_lazy("Added to the time limit of attempts started from now on."),
    )
    extra_attempts = forms.IntegerField(label=gettext_lazy("Extra attempts"), min_value=0, max_value=20, initial=0)
    note = forms.CharField(label=gettext_lazy("Note (optional)"), max_length=300, required=False)


class ResetForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the reset"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Kept in the attempt's audit log."),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I understand that the attempt stops counting toward the learner's attempts, cool-down and "
            "certificate, and that a certificate it earned is not withdrawn automatically."
        ),
        error_messages={"required": gettext_lazy("Tick the box to confirm the reset.")},
    )
