"""Question bank, exams, attempts and practice quizzes."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = [
    "Accommodation",
    "Attempt",
    "AttemptEvent",
    "AttemptQuestion",
    "AttemptReset",
    "DeltaExam",
    "Exam",
    "PracticeAnswer",
    "PracticeAttempt",
    "PracticeQuestion",
    "Question",
    "QuestionTranslation",
    "QuestionVersion",
]


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True or false")
    NUMERIC = "numeric", _("Numeric")
    SHORT_TEXT = "short_text", _("Short text")
    ORDERING = "ordering", _("Ordering")


class Question(models.Model):
    """A question's stable identity; its content lives in immutable versions."""

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="questions")
    external_id = models.CharField(max_length=80)
    current_version = models.ForeignKey(
        "QuestionVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_published = models.BooleanField(default=True)

    class Meta:
        ordering = ["external_id"]
        constraints = [models.UniqueConstraint(fields=["course", "external_id"], name="question_id_unique_in_course")]

    def __str__(self) -> str:
        return self.external_id


class QuestionVersion(models.Model):
    """One exact wording and key of a question. Never updated: an edit creates the next version,
    so an attempt always shows and scores the version it drew."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=QuestionKind.choices)
    domain = models.CharField(max_length=60)
    difficulty = models.CharField(max_length=10)
    points = models.DecimalField(max_digits=6, decimal_places=2)
    lesson_ref = models.CharField(max_length=300)
    module_slug = models.SlugField(max_length=80)
    stem = models.TextField()
    stem_html = models.TextField()
    explanation = models.TextField()
    explanation_html = models.TextField()
    # [{"id", "text", "html", "correct"}]; for ordering, listed in the correct order.
    options = models.JSONField(default=list, blank=True)
    # The key and scoring rule: answer, tolerance, accepted, pattern, scoring.
    key = models.JSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["question_id", "number"]
        constraints = [models.UniqueConstraint(fields=["question", "number"], name="question_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.question_id} v{self.number}"

    def save(self, *args, **kwargs):
        # Attempts reference versions for their whole life; rewriting one would change
        # what a past learner was shown and how they were scored.
        if self.pk is not None and not self._state.adding:
            raise ValueError("question versions are immutable; sync a new version instead")
        super().save(*args, **kwargs)


class QuestionTranslation(models.Model):
    """A question version's text in another language (content/README.md, "Translations").

    Tied to the version whose English text it translates (its `source_hash` matched that
    version's text when synced), so an attempt always shows the translation of what it drew.
    Only text: the kind, key, options' ids and order, points and domain stay the version's."""

    version = models.ForeignKey(QuestionVersion, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=12)
    stem_html = models.TextField()
    explanation_html = models.TextField()
    # Option id -> the option's translated text as HTML.
    option_html = models.JSONField(default=dict, blank=True)
    source_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "language"], name="question_translation_unique_language")
        ]


class ReviewPolicy(models.TextChoices):
    SCORE_ONLY = "score_only", _("Score only")
    OWN_ANSWERS = "own_answers", _("Your answers")
    CORRECT_ANSWERS = "correct_answers", _("Correct answers and explanations")


class Exam(models.Model):
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="exams")
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    question_count = models.PositiveIntegerField()
    time_limit_minutes = models.PositiveIntegerField()
    blueprint = models.JSONField(default=dict)
    pass_mark_percent = models.DecimalField(max_digits=5, decimal_places=2)
    attempts_allowed = models.PositiveIntegerField()
    cooldown_hours = models.DecimalField(max_digits=7, decimal_places=2)
    grace_seconds = models.PositiveIntegerField()
    shuffle_questions = models.BooleanField(default=True)
    shuffle_options = models.BooleanField(default=True)
    review = models.CharField(max_length=20, choices=ReviewPolicy.choices)
    is_published = models.BooleanField(default=True)

    class Meta:
        ordering = ["course_id", "slug"]
        constraints = [models.UniqueConstraint(fields=["course", "slug"], name="exam_slug_unique_in_course")]

    def __str__(self) -> str:
        return self.title

    # The review policy, read in one place for the result page and the learner's data export.
    @property
    def shows_answers_after_submit(self) -> bool:
        return self.review != ReviewPolicy.SCORE_ONLY

    @property
    def shows_correct_answers(self) -> bool:
        return self.review == ReviewPolicy.CORRECT_ANSWERS


class DeltaExam(models.Model):
    """Marks an exam generated for recertification: it draws only from the questions that
    changed between two course versions. It is not in the content tree, so a sync leaves
    it alone, and it is not listed with the course's exams."""

    exam = models.OneToOneField(Exam, on_delete=models.CASCADE, related_name="delta")
    from_version = models.CharField(max_length=40)
    to_version = models.CharField(max_length=40)
    # External ids of the questions the draw may use; empty means the whole bank (a refresher).
    question_external_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()


class AttemptState(models.TextChoices):
    OPEN = "open", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    TIMED_OUT = "timed_out", _("Submitted automatically when time ran out")
    VOIDED = "voided", _("Reset by an instructor")


class Attempt(models.Model):
    # The integer id stays internal (ExamOutcome.attempt_id); URLs use public_id.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exam_attempts")
    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveIntegerField()
    state = models.CharField(max_length=12, choices=AttemptState.choices, default=AttemptState.OPEN)
    seed = models.BigIntegerField()
    started_at = models.DateTimeField()
    extra_minutes = models.PositiveIntegerField(default=0)
    deadline = models.DateTimeField()
    # deadline + the exam's grace at start: after this nothing is accepted.
    closes_at = models.DateTimeField()
    pass_mark_percent = models.DecimalField(max_digits=5, decimal_places=2)
    finished_at = models.DateTimeField(null=True, blank=True)
    score_points = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    max_points = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    score_percent = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    # {domain: {"points": "..", "max": "..", "percent": ".."}}
    domain_breakdown = models.JSONField(default=dict, blank=True)
    test_mode = models.BooleanField()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "exam"], condition=Q(state="open"), name="one_open_attempt_per_exam"
            ),
            models.UniqueConstraint(fields=["user", "exam", "number"], name="attempt_number_unique"),
        ]
        indexes = [models.Index(fields=["state", "closes_at"], name="attempt_state_closes_idx")]

    def __str__(self) -> str:
        return f"{self.exam} attempt {self.number} by {self.user_id}"

    @property
    def is_open(self) -> bool:
        return self.state == AttemptState.OPEN

    @property
    def is_finalized(self) -> bool:
        return self.state in {AttemptState.SUBMITTED, AttemptState.TIMED_OUT}


class AttemptQuestion(models.Model):
    """One slot of an attempt's stored draw, with the learner's latest saved answer and flag."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField()
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="attempt_questions")
    option_order = models.JSONField(default=list, blank=True)
    response = models.JSONField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    flagged = models.BooleanField(default=False)
    points_awarded = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)

    class Meta:
        ordering = ["attempt_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="attempt_question_position_unique"),
            models.UniqueConstraint(fields=["attempt", "version"], name="attempt_question_version_unique"),
        ]

    @property
    def is_answered(self) -> bool:
        return self.response is not None


class EventKind(models.TextChoices):
    STARTED = "started", _("Started")
    RESUMED = "resumed", _("Resumed")
    ANSWER_SAVED = "answer_saved", _("Answer saved")
    REFUSED = "refused", _("Refused after the deadline")
    FLAGGED = "flagged", _("Flagged for review")
    UNFLAGGED = "unflagged", _("Flag removed")
    SUBMITTED = "submitted", _("Submitted")
    FINALIZED = "finalized", _("Finalized")
    RESET = "reset", _("Reset")


class AttemptEvent(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["attempt", "at"], name="attempt_event_at_idx")]


class Accommodation(models.Model):
    """Per-learner allowance for one exam, applied when an attempt starts."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exam_accommodations")
    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="accommodations")
    extra_minutes = models.PositiveIntegerField(default=0)
    extra_attempts = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "exam"], name="one_accommodation_per_exam")]


class AttemptReset(models.Model):
    attempt = models.OneToOneField(Attempt, on_delete=models.CASCADE, related_name="reset")
    reset_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField()
    previous_state = models.CharField(max_length=12, choices=AttemptState.choices)
    at = models.DateTimeField()


class PracticeKind(models.TextChoices):
    MODULE = "module", _("Module quiz")
    WEAK_SPOTS = "weak_spots", _("Weak spots")


class PracticeAttempt(models.Model):
    """An untimed practice quiz: one module's questions, or the learner's weak spots across the
    course. Never counts toward a certificate."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_attempts")
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="practice_attempts")
    kind = models.CharField(max_length=12, choices=PracticeKind.choices, default=PracticeKind.MODULE)
    module = models.ForeignKey(
        "courses.Module", null=True, blank=True, on_delete=models.CASCADE, related_name="practice_attempts"
    )
    seed = models.BigIntegerField()
    started_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="module", module__isnull=False) | Q(kind="weak_spots", module__isnull=True),
                name="practice_module_matches_kind",
            )
        ]


class PracticeQuestion(models.Model):
    attempt = models.ForeignKey(PracticeAttempt, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField()
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    option_order = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["attempt_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="practice_question_position_unique")
        ]


class PracticeAnswer(models.Model):
    """The first checked answer to a practice question; feedback is shown from it."""

    question = models.OneToOneField(PracticeQuestion, on_delete=models.CASCADE, related_name="answer")
    response = models.JSONField()
    points_awarded = models.DecimalField(max_digits=8, decimal_places=3)
    answered_at = models.DateTimeField()
