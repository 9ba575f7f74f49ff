from django import forms


class AccommodationForm(forms.Form):
    email = forms.EmailField(label="Learner's e-mail address")
    extra_minutes = forms.IntegerField(
        label="Extra time (minutes)",
        min_value=0,
        max_value=600,
        initial=0,
        help_text="Added to the time limit of attempts started from now on.",
    )
    extra_attempts = forms.IntegerField(label="Extra attempts", min_value=0, max_value=20, initial=0)
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)


class ResetForm(forms.Form):
    reason = forms.CharField(
        label="Reason for the reset",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the attempt's audit log.",
    )
    confirm = forms.BooleanField(
        label="I understand that the attempt stops counting toward the learner's attempts, cool-down and "
        "certificate, and that a certificate it earned is not withdrawn automatically.",
        error_messages={"required": "Tick the box to confirm the reset."},
    )
