from django.conf import settings
from django.db import models

from .localization import ContentStatus


class TranslatableContent(models.Model):
    """A course, module or lesson, which pages may show in a translation (courses/localization.py)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # A display copy carries translated text in its English fields; saving it would overwrite the source.
        if getattr(self, "content_status", None) == ContentStatus.TRANSLATED:
            raise ValueError("this record shows a translation; load it again before saving")
        super().save(*args, **kwargs)


class Course(TranslatableContent):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    version = models.CharField(max_length=40)
    facts_checked_on = models.DateField(null=True, blank=True)
    # The rest of course.yaml (certificate requirements, domains, referenced models)
    # kept as written, so that other apps read it through courses.api.
    metadata = models.JSONField(default=dict, blank=True)
    is_published = models.BooleanField(default=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Module(TranslatableContent):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    order = models.PositiveIntegerField()
    practice_questions = models.PositiveIntegerField(default=5)
    is_published = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["course", "slug"], name="module_slug_unique_in_course")]

    def __str__(self) -> str:
        return self.title


class Lesson(TranslatableContent):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="lessons")
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    order = models.PositiveIntegerField()
    estimated_minutes = models.PositiveIntegerField()
    body_html = models.TextField()
    toc_html = models.TextField(blank=True)
    source_path = models.CharField(max_length=300)
    # SHA-256 of the source file: a sync compares it to report real changes only.
    source_hash = models.CharField(max_length=64)
    is_published = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["module", "slug"], name="lesson_slug_unique_in_module")]

    def __str__(self) -> str:
        return self.title


class Enrollment(models.Model):
    """A learner's place in a course; remembers where to resume."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    last_lesson = models.ForeignKey(Lesson, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    last_visited_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="one_enrollment_per_course")]


class LessonCompletion(models.Model):
    """Never deleted by a content sync, even when its lesson is unpublished."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_completions")
    lesson = models.ForeignKey(Lesson, on_delete=models.PROTECT, related_name="completions")
    completed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="one_completion_per_lesson")]


class CourseVersion(models.Model):
    """What a course version consisted of, so a later version can say what changed.

    Written once, by the first sync that sees the version: `manifest` holds a content
    hash per lesson, question and demo task (see `courses/versions.py`). Never updated,
    because certificates of the version point at what it was when they were earned.
    """

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=40)
    manifest = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["course_id", "created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["course", "version"], name="course_version_unique")]

    def __str__(self) -> str:
        return f"{self.course_id} version {self.version}"


class ContentTranslation(models.Model):
    """What every translation row shares: its language and the English text it was made from.

    `source_hash` is the short hash of the English text the translator worked from; `is_current`
    records, at sync time, whether it still matches the English. Pages show a stale translation's
    English source instead (content/README.md, "Translations")."""

    language = models.CharField(max_length=12)
    source_hash = models.CharField(max_length=64)
    is_current = models.BooleanField(default=True)

    class Meta:
        abstract = True


class CourseTranslation(ContentTranslation):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="translations")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    # Domain key -> translated domain name; the keys stay the English course.yaml's.
    domains = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "language"], name="course_translation_unique_language")
        ]


class ModuleTranslation(ContentTranslation):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="translations")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["module", "language"], name="module_translation_unique_language")
        ]


class LessonTranslation(ContentTranslation):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="translations")
    title = models.CharField(max_length=200)
    body_html = models.TextField()
    toc_html = models.TextField(blank=True)
    source_path = models.CharField(max_length=300)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lesson", "language"], name="lesson_translation_unique_language")
        ]
