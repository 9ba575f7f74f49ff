"""Hands-on prompt demos: tasks, submissions, model calls and grades."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "DemoAsset",
    "DemoAuditEvent",
    "DemoTask",
    "FINAL_STATES",
    "GradeRecord",
    "Modality",
    "ModelCallRecord",
    "ReviewDecision",
    "Submission",
    "SubmissionState",
]


class Modality(models.TextChoices):
    TEXT = "text", _("Text")
    STRUCTURED_OUTPUT = "structured_output", _("Structured output")
    FUNCTION_CALLING = "function_calling", _("Function calling")
    SEARCH = "search", _("Search with server-side tools")
    VISION = "vision", _("Vision")


class DemoTask(models.Model):
    """One demo as synced from `content/<course>/demos/<slug>/`.

    `spec` holds the validated front matter; `version` changes whenever the task, its
    reference or an input file changes, and submissions keep the version they ran with.
    """

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="demo_tasks")
    # Unique across the platform because the demo's URL is /demos/<slug>/.
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    domain = models.CharField(max_length=40)
    modality = models.CharField(max_length=24, choices=Modality.choices)
    lesson_ref = models.CharField(max_length=200, blank=True)
    version = models.CharField(max_length=64)
    spec = models.JSONField()
    brief_html = models.TextField()
    # [{file, as, mime, size, sha256, text?}]; image bytes live in DemoAsset by sha256.
    inputs = models.JSONField(default=list, blank=True)
    reference = models.JSONField(default=dict, blank=True)
    source_path = models.CharField(max_length=300)
    is_published = models.BooleanField(default=True)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["course_id", "title"]

    def __str__(self) -> str:
        return self.title

    @property
    def learner_writes(self) -> list[str]:
        return list(self.spec.get("learner_writes", []))

    @property
    def limits(self) -> dict:
        return dict(self.spec.get("limits", {}))


class DemoAsset(models.Model):
    """An input file's bytes, stored once by content hash.

    Kept in the database rather than on disk so that workers on another host read
    exactly the bytes the sync validated; never deleted, so old submissions can be
    re-graded or reviewed with the inputs they ran with.
    """

    sha256 = models.CharField(max_length=64, unique=True)
    mime = models.CharField(max_length=60)
    data = models.BinaryField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)


class SubmissionState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    GRADED = "graded", _("Graded")
    NEEDS_REVIEW = "needs_review", _("Needs review")
    FAILED = "failed", _("Failed")


FINAL_STATES = (SubmissionState.GRADED, SubmissionState.NEEDS_REVIEW)


class Submission(models.Model):
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="demo_submissions")
    task = models.ForeignKey(DemoTask, on_delete=models.PROTECT, related_name="submissions")
    # The task as it was when the learner submitted: a later sync does not change the run.
    task_version = models.CharField(max_length=64)
    task_spec = models.JSONField()
    task_inputs = models.JSONField(default=list, blank=True)

    system_prompt = models.TextField(blank=True)
    user_prompt = models.TextField(blank=True)
    json_schema = models.JSONField(null=True, blank=True)
    tools = models.JSONField(null=True, blank=True)

    state = models.CharField(max_length=16, choices=SubmissionState.choices, default=SubmissionState.QUEUED)
    score = models.FloatField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    test_mode = models.BooleanField()
    error_message = models.TextField(blank=True)
    # Executions started (a delivery, a Celery retry or a learner's Retry each count one).
    attempts = models.PositiveIntegerField(default=0)
    # Transient model API failures since the last (re)queue; the task gives up past a limit.
    transient_failures = models.PositiveIntegerField(default=0)
    # Which grading round is current: 0 is the first grade, each instructor re-grade adds one.
    grade_round = models.PositiveIntegerField(default=0)
    # A running execution holds the submission until this time; a duplicate delivery
    # seen before then waits instead of calling the model a second time.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # The key of the form the learner posted: the same form sent again (a double click, a
    # browser resend after a web node failed) finds this run instead of paying for another.
    form_key = models.UUIDField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["learner", "task", "created_at"], name="demo_sub_quota_idx"),
            models.Index(fields=["state", "created_at"], name="demo_sub_state_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "form_key"],
                condition=models.Q(form_key__isnull=False),
                name="demo_sub_form_key_once",
            )
        ]

    def __str__(self) -> str:
        return f"Submission {self.pk} ({self.state})"

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES


class ModelCallRecord(models.Model):
    """The exactly-once store: one row per model call of a submission.

    A step ("run:0", "run:1", "judge", "judge:strict", "judge#2" ...) is asked of the
    model only when no row exists for it; a redelivered task reuses the stored result.
    """

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="model_calls")
    step = models.CharField(max_length=40)
    result = models.JSONField()
    resolved_model = models.CharField(max_length=100, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    reasoning_tokens = models.PositiveIntegerField(default=0)
    cached_tokens = models.PositiveIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=8, default=0)
    latency_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission_id", "id"]
        constraints = [models.UniqueConstraint(fields=["submission", "step"], name="one_model_call_per_step")]


_GRADE_STATUS_LABELS = {"passed": "Passed", "failed": "Not passed", "needs_review": "Needs review"}


class GradeRecord(models.Model):
    """The outcome of one grading round; unique per round so a round is never graded twice."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="grades")
    round = models.PositiveIntegerField(default=0)
    task_version = models.CharField(max_length=64)
    status = models.CharField(max_length=16)  # passed | failed | needs_review, from the grader
    score = models.FloatField()
    passed = models.BooleanField()
    check_results = models.JSONField(default=list)
    # The rubric this round was judged against (a re-grade may use a newer one).
    rubric = models.JSONField(default=list)
    judge = models.JSONField(default=dict)  # model, prompt version, criteria and raw verdicts
    injection = models.JSONField(default=dict)
    reasons = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission_id", "round"]
        constraints = [models.UniqueConstraint(fields=["submission", "round"], name="one_grade_per_round")]

    def status_label(self) -> str:
        """The grader's status as people read it ("needs_review" is the grader's word, not theirs)."""
        return _GRADE_STATUS_LABELS.get(self.status, self.status.replace("_", " ").capitalize())


class ReviewDecision(models.Model):
    class Decision(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        OVERRIDDEN = "overridden", _("Overridden")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="reviews")
    grade = models.ForeignKey(GradeRecord, on_delete=models.PROTECT, related_name="reviews")
    instructor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=16, choices=Decision.choices)
    score = models.FloatField()
    passed = models.BooleanField()
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]


class DemoAuditEvent(models.Model):
    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        STARTED = "started", _("Started")
        MODEL_CALL = "model_call", _("Model call")
        GRADED = "graded", _("Graded")
        NEEDS_REVIEW = "needs_review", _("Sent to review")
        FAILED = "failed", _("Failed")
        RETRIED = "retried", _("Retried")
        REVIEW_CONFIRMED = "review_confirmed", _("Review confirmed")
        REVIEW_OVERRIDDEN = "review_overridden", _("Review overridden")
        REGRADE_QUEUED = "regrade_queued", _("Re-grade queued")
        REGRADED = "regraded", _("Re-graded")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="audit_events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
