"""What other apps may use from `courses`: frozen data, never models.

Besides course facts, this exposes the content toolkit that lets another app own a
section of `content/` (question banks, exams, demo tasks) and take part in
`sync_content`'s validate-then-write run.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from django.urls import reverse

from .content.errors import ContentProblem, ContentReport, ContentValidationError  # noqa: F401
from .content.markdown import (  # noqa: F401
    http_url,
    render_inline_markdown,
    render_markdown,
    render_untrusted_markdown,
    sanitize_html,
)
from .content.records import record_upsert, records_unpublish_missing, translations_upsert  # noqa: F401
from .content.registry import ChangeLog, CourseRef, CourseSource  # noqa: F401
from .content.registry import register as register_content_section  # noqa: F401
from .content.translations import language_problem as translation_language_problem  # noqa: F401
from .content.translations import (  # noqa: F401
    source_files,
    source_text_hash,
    translation_file,
)
from .content.translations import source_hash_problem as translation_source_hash_problem  # noqa: F401
from .content.translations import stale_message as translation_stale_message  # noqa: F401
from .content.yamlio import (  # noqa: F401
    LineDict,
    LineList,
    load_yaml_file,
    parse_yaml,
    require_fields,
    split_front_matter,
)
from .localization import ContentStatus, content_language, localized, with_translation  # noqa: F401
from .models import Course, Lesson, Module
from .selectors import course_progress
from .services import enrollment_ensure  # noqa: F401
from .versions import (  # noqa: F401
    CourseVersionDelta,
    CourseVersionInfo,
    course_version_delta,
    course_version_list,
    register_version_manifest,
)


@dataclass(frozen=True)
class CertificateRequirements:
    """course.yaml's `certificate:` block (content/README.md), read defensively: metadata is
    stored as written, so a malformed value reads as absent instead of failing a page."""

    exam_slug: str | None
    demo_slugs: tuple[str, ...]  # in the course's order, each once
    all_lessons: bool
    validity_months: int | None

    @property
    def awards_certificate(self) -> bool:
        # A course without requirements must not hand certificates to everyone who asks.
        return bool(self.exam_slug or self.demo_slugs or self.all_lessons)

    @classmethod
    def from_spec(cls, block: object) -> "CertificateRequirements":
        block = block if isinstance(block, Mapping) else {}
        requires = block.get("requires")
        requires = requires if isinstance(requires, Mapping) else {}
        exam = requires.get("exam")
        demos = requires.get("demos")
        validity = block.get("validity_months")
        return cls(
            exam_slug=exam if isinstance(exam, str) and exam else None,
            demo_slugs=tuple(dict.fromkeys(str(slug) for slug in demos)) if isinstance(demos, list) else (),
            all_lessons=bool(requires.get("all_lessons")),
            validity_months=validity if type(validity) is int and validity > 0 else None,
        )


@dataclass(frozen=True)
class CourseInfo:
    id: int
    slug: str
    title: str
    version: str
    facts_checked_on: datetime.date | None
    metadata: dict

    @property
    def certificate(self) -> CertificateRequirements:
        return CertificateRequirements.from_spec(self.metadata.get("certificate"))


@dataclass(frozen=True)
class ModuleInfo:
    id: int
    slug: str
    title: str
    order: int
    practice_questions: int


@dataclass(frozen=True)
class LessonsSummary:
    completed: int
    total: int

    @property
    def all_complete(self) -> bool:
        return self.total > 0 and self.completed >= self.total


def _info(course: Course) -> CourseInfo:
    return CourseInfo(
        id=course.id,
        slug=course.slug,
        title=course.title,
        version=course.version,
        facts_checked_on=course.facts_checked_on,
        metadata=dict(course.metadata),
    )


def course_get(*, slug: str) -> CourseInfo | None:
    course = Course.objects.filter(slug=slug, is_published=True).first()
    return _info(course) if course else None


def course_get_by_id(*, course_id: int) -> CourseInfo:
    return _info(Course.objects.get(pk=course_id))


def module_list(*, course_id: int, language: str | None = None) -> list[ModuleInfo]:
    """The published modules; with a `language`, titled in it where a current translation exists."""
    modules = with_translation(
        Module.objects.filter(course_id=course_id, is_published=True),
        relation="translations",
        alias="t",
        fields=("title",),
        language=language,
    )
    return [
        ModuleInfo(
            id=m.id,
            slug=m.slug,
            title=localized(m, alias="t", fields=("title",), language=language).title,
            order=m.order,
            practice_questions=m.practice_questions,
        )
        for m in modules
    ]


def lessons_summary(*, user_id: int, course_id: int) -> LessonsSummary:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=user_id)
    progress = course_progress(user=user, course=Course.objects.get(pk=course_id))
    return LessonsSummary(completed=progress.completed, total=progress.total)


def lesson_reference_url(*, course_slug: str, reference: str) -> str:
    """`module-slug/lesson-slug#anchor` -> the lesson page URL with its anchor."""
    path, _, anchor = reference.partition("#")
    module_slug, _, lesson_slug = path.partition("/")
    url = reverse("courses:lesson", args=[course_slug, module_slug, lesson_slug])
    return f"{url}#{anchor}" if anchor else url


def course_models_referenced() -> dict[str, tuple[str, ...]]:
    """Published course slug -> the model names its course.yaml lists as used by its lessons."""
    return {
        course.slug: tuple(str(name) for name in (course.metadata or {}).get("models_referenced") or ())
        for course in Course.objects.filter(is_published=True).order_by("slug")
    }


def lesson_title_map(*, course_id: int) -> dict[str, str]:
    """`module-slug/lesson-slug` -> the lesson's title, for every published lesson of the course."""
    lessons = Lesson.objects.filter(module__course_id=course_id, is_published=True).values_list(
        "module__slug", "slug", "title"
    )
    return {f"{module_slug}/{lesson_slug}": title for module_slug, lesson_slug, title in lessons}


def course_list() -> list[CourseInfo]:
    return [_info(course) for course in Course.objects.filter(is_published=True).order_by("title")]


@dataclass(frozen=True)
class CohortLessons:
    enrolled: int
    completed_a_lesson: int
    completed_every_lesson: int


def cohort_lessons(*, course_id: int) -> CohortLessons:
    """Learners who opened the course, finished at least one lesson, and finished them all."""
    from django.db.models import Count

    from .models import Enrollment, Lesson, LessonCompletion

    published = Lesson.objects.filter(module__course_id=course_id, is_published=True, module__is_published=True)
    total = published.count()
    per_learner = (
        LessonCompletion.objects.filter(lesson__in=published).values("user_id").annotate(done=Count("lesson_id"))
    )
    return CohortLessons(
        enrolled=Enrollment.objects.filter(course_id=course_id).count(),
        completed_a_lesson=per_learner.count(),
        completed_every_lesson=sum(1 for row in per_learner if total and row["done"] >= total),
    )
