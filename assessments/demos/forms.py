import uuid

from django import forms
from django.utils.translation import gettext, gettext_lazy

from assessments.models import DemoTask

_FIELDS = {
    "system_prompt": (
        gettext_lazy("System prompt"),
        gettext_lazy("Sets the model's role, rules and output format for the whole run."),
    ),
    "user_prompt": (
        gettext_lazy("User prompt"),
        gettext_lazy("The request itself. The task's input files are attached after it."),
    ),
    "json_schema": (
        gettext_lazy("JSON Schema for the answer"),
        gettext_lazy("A JSON Schema object; the model is asked to answer with JSON that matches it."),
    ),
    "tools": (
        gettext_lazy("Function tools (JSON)"),
        gettext_lazy(
            'A JSON list of tools: [{"type": "function", "function": {"name": ..., "description": ..., '
            '"parameters": {...}}}].'
        ),
    ),
}


class DemoSubmissionForm(forms.Form):
    """One field per item of the task's `learner_writes`; the service does the real validation.

    `form_key`, new each time the form is shown, lets the service recognise the same form sent
    twice. A missing or garbled key is no error (an old page, a hand-made request): the
    submission is then simply new."""

    form_key = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, task: DemoTask, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form_key"].initial = uuid.uuid4()
        limit = task.limits["prompt_max_chars"]
        for name in task.learner_writes:
            label, field_help = _FIELDS[name]
            is_prompt = name in {"system_prompt", "user_prompt"}
            help_text = str(field_help)
            if is_prompt:
                help_text += " " + gettext("System and user prompt together: at most %(limit)s characters.") % {
                    "limit": f"{limit:,}"
                }
            attrs = {
                "rows": 8 if is_prompt else 12,
                "spellcheck": "true" if is_prompt else "false",
                "class": "prompt-field" if is_prompt else "code-field",
            }
            self.fields[name] = forms.CharField(
                label=label,
                help_text=help_text,
                required=name != "system_prompt" or "user_prompt" not in task.learner_writes,
                strip=False,
                max_length=limit if is_prompt else None,
                widget=forms.Textarea(attrs=attrs),
            )
            self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}-help"

    def clean_form_key(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(self.cleaned_data["form_key"])
        except ValueError:
            return None


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("confirm", gettext_lazy("Confirm the automatic grade")),
            ("override", gettext_lazy("Override the score")),
        ],
        widget=forms.RadioSelect,
        initial="confirm",
    )
    score_percent = forms.FloatField(
        label=gettext_lazy("Score (%)"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=gettext_lazy("Only when overriding."),
    )
    passed = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        required=False,
        choices=[("", "—"), ("yes", gettext_lazy("Passed")), ("no", gettext_lazy("Not passed"))],
        help_text=gettext_lazy("Only when overriding."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required. Kept in the audit log and shown to other instructors."),
    )

    def review_arguments(self) -> dict:
        """The valid form as `services.review_decide` arguments: a fraction for the score,
        and no score or outcome when confirming."""
        data = self.cleaned_data
        confirm = data["decision"] == "confirm"
        score, passed = data["score_percent"], data["passed"]
        return {
            "confirm": confirm,
            "reason": data["reason"],
            "score": None if confirm or score is None else score / 100,
            "passed": None if confirm or not passed else passed == "yes",
        }
