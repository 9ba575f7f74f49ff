"""Judge calibration: labelled submissions, judge configurations and the judge's verdicts on them.

A judge configuration (model, prompt version, rubric digest) is staged, run on every
calibration example, and goes live only when it agrees with the instructors' labels well
enough and passes no labelled attack. Grading uses the live configuration.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "CalibrationAuditEvent",
    "CalibrationExample",
    "CalibrationVerdict",
    "JudgeConfiguration",
]


class CalibrationExample(models.Model):
    """One submission labelled by an instructor: pass or fail on every rubric criterion.

    `outputs` holds the runs the labels were given on, per case (`{case id: [model result
    JSON, ...]}`), and `cases` those cases as the model got them (inputs, checks), so the
    example is judged again exactly as it was labelled, whatever the task became since.
    """

    class Source(models.TextChoices):
        CONTENT = "content", _("Course content")
        REVIEW = "review", _("Review queue")

    class Kind(models.TextChoices):
        GOOD = "good", _("Good")
        NEAR_MISS = "near-miss", _("Near miss")
        ATTACK = "attack", _("Attack")
        POOR = "poor", _("Poor")

    task = models.ForeignKey("assessments.DemoTask", on_delete=models.CASCADE, related_name="calibration_examples")
    # "content:<id in calibration.yaml>" or "review:<submission id>": one example per origin.
    key = models.CharField(max_length=100)
    source = models.CharField(max_length=12, choices=Source.choices)
    submission = models.ForeignKey(
        "assessments.Submission", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # What the learner wrote: {"system_prompt": text, "user_prompt": text, "json_schema": JSON, "tools": JSON}.
    learner_prompt = models.JSONField()
    cases = models.JSONField()  # the case specs the outputs ran on
    outputs = models.JSONField()
    labels = models.JSONField()  # {criterion id: "pass" | "fail"}
    note = models.TextField(blank=True)
    labelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    labelled_at = models.DateTimeField()
    # Content examples that left calibration.yaml are kept for past reports, but no longer run.
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["task_id", "key"]
        constraints = [models.UniqueConstraint(fields=["task", "key"], name="one_calibration_example_per_origin")]

    def __str__(self) -> str:
        return f"{self.task.slug}/{self.key}"


class JudgeConfiguration(models.Model):
    class Status(models.TextChoices):
        STAGED = "staged", _("Staged")
        RUNNING = "running", _("Running on the calibration set")
        LIVE = "live", _("Live")
        HELD = "held", _("Held")
        RETIRED = "retired", _("Retired")

    model = models.CharField(max_length=100)
    prompt_version = models.CharField(max_length=40)
    # A digest of every published task's rubric when staged: a rubric change is a new configuration.
    rubric_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.STAGED)
    staged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    staged_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    min_kappa = models.FloatField()  # the threshold in force when it was staged
    examples_total = models.PositiveIntegerField(default=0)
    # {"tasks": {slug: {kappa, agreement, false_pass, false_fail, attack_false_pass}}, "reasons": [...]}
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-staged_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="live"), name="one_live_judge_configuration"
            )
        ]

    def __str__(self) -> str:
        return f"{self.model} / {self.prompt_version} / {self.rubric_hash[:8]}"


class CalibrationVerdict(models.Model):
    """The judge's verdict under one configuration on one example, written once."""

    configuration = models.ForeignKey(JudgeConfiguration, on_delete=models.CASCADE, related_name="verdicts")
    example = models.ForeignKey(CalibrationExample, on_delete=models.CASCADE, related_name="verdicts")
    verdicts = models.JSONField()  # {criterion id: "pass" | "fail"}
    judge = models.JSONField(default=dict)  # the judge's passes, as grading stores them
    error = models.TextField(blank=True)  # why the judge's answer could not be used ("" when it could)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["configuration_id", "example_id"]
        constraints = [
            models.UniqueConstraint(fields=["configuration", "example"], name="one_verdict_per_example_and_config")
        ]


class CalibrationAuditEvent(models.Model):
    class Kind(models.TextChoices):
        EXAMPLE_ADDED = "example_added", _("Example added")
        STAGED = "staged", _("Staged")
        PROMOTED = "promoted", _("Went live")
        HELD = "held", _("Held")
        RETIRED = "retired", _("Retired")

    configuration = models.ForeignKey(
        JudgeConfiguration, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_events"
    )
    example = models.ForeignKey(
        CalibrationExample, null=True, blank=True, on_delete=models.CASCADE, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
