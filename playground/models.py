from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PlaygroundRun(models.Model):
    """One ungraded prompt a learner ran from a lesson's "Try it" box."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting for the model")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playground_runs")
    # The lesson page the box sits on (its path), for the learner's history and for support.
    lesson_path = models.CharField(max_length=300)
    system_prompt = models.TextField(blank=True)
    prompt = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    output = models.TextField(blank=True)
    model = models.CharField(max_length=80, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cost_usd = models.FloatField(default=0)
    error = models.CharField(max_length=300, blank=True)
    # False for a run the busy platform turned away before calling the model: its message
    # promises that it does not count against the hourly allowance.
    counts_against_allowance = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="playground_user_created_idx")]
