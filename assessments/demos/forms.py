from django import forms

from assessments.models import DemoTask

_FIELDS = {
    "system_prompt": ("System prompt", "Sets the model's role, rules and output format for the whole run."),
    "user_prompt": ("User prompt", "The request itself. The task's input files are attached after it."),
    "json_schema": (
        "JSON Schema for the answer",
        "A JSON Schema object; the model is asked to answer with JSON that matches it.",
    ),
    "tools": (
        "Function tools (JSON)",
        'A JSON list of tools: [{"type": "function", "function": {"name": ..., "description": ..., '
        '"parameters": {...}}}].',
    ),
}


class DemoSubmissionForm(forms.Form):
    """One field per item of the task's `learner_writes`; the service does the real validation."""

    def __init__(self, *args, task: DemoTask, **kwargs):
        super().__init__(*args, **kwargs)
        limit = task.limits["prompt_max_chars"]
        for name in task.learner_writes:
            label, help_text = _FIELDS[name]
            is_prompt = name in {"system_prompt", "user_prompt"}
            if is_prompt:
                help_text = f"{help_text} System and user prompt together: at most {limit:,} characters."
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


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("confirm", "Confirm the automatic grade"), ("override", "Override the score")],
        widget=forms.RadioSelect,
        initial="confirm",
    )
    score_percent = forms.FloatField(
        label="Score (%)", required=False, min_value=0, max_value=100, help_text="Only when overriding."
    )
    passed = forms.ChoiceField(
        label="Outcome",
        required=False,
        choices=[("", "—"), ("yes", "Passed"), ("no", "Not passed")],
        help_text="Only when overriding.",
    )
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required. Kept in the audit log and shown to other instructors.",
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
