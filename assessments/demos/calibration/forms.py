from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.grading.judge import PROMPT_VERSIONS
from assessments.modelapi import catalog
from assessments.models import CalibrationExample

_LABEL_CHOICES = [("pass", _("Pass")), ("fail", _("Fail"))]


def _model_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in catalog.known_models()]


def _prompt_version_choices() -> list[tuple[str, str]]:
    return [(version, version) for version in PROMPT_VERSIONS]


class StageForm(forms.Form):
    model = forms.ChoiceField(label=_("Judge model"), choices=_model_choices)
    prompt_version = forms.ChoiceField(label=_("Judge prompt version"), choices=_prompt_version_choices)


class ExampleForm(forms.Form):
    """The instructor's label per rubric criterion, what kind of example it is, and a note."""

    kind = forms.ChoiceField(label=_("Kind of example"), choices=CalibrationExample.Kind.choices)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why you labelled it so; other instructors read it in the agreement report."),
    )

    def __init__(self, *args, rubric: list[dict], initial_labels: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = [criterion["id"] for criterion in rubric]
        for criterion in rubric:
            self.fields[f"label_{criterion['id']}"] = forms.ChoiceField(
                label=criterion["id"],
                help_text=criterion.get("description", ""),
                choices=_LABEL_CHOICES,
                widget=forms.RadioSelect,
                initial=initial_labels.get(criterion["id"]) or None,
            )

    def labels(self) -> dict[str, str]:
        return {criterion: self.cleaned_data[f"label_{criterion}"] for criterion in self.criteria}
