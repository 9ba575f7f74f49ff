from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from accounts.api import PersonalDataSection

from .content.translations import SOURCE_LANGUAGE
from .localization import localized, with_translation
from .models import Course, Enrollment, Lesson, LessonCompletion, Module

COURSE_TEXT = ("title", "summary")
MODULE_TEXT = ("title", "summary")
LESSON_TEXT = ("title", "body_html", "toc_html")


@dataclass(frozen=True)
class CourseProgress:
    completed: int
    total: int
    resume_lesson: Lesson | None

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.total) if self.total else 0

    @property
    def is_started(self) -> bool:
        return self.completed > 0 or self.resume_lesson is not None


@dataclass(frozen=True)
class CourseTime:
    """What the course takes, stated separately: lessons (computed from their text), exam, demos."""

    lesson_minutes: int
    exam_minutes: int
    demo_minutes: int

    @property
    def total_minutes(self) -> int:
        return self.lesson_minutes + self.exam_minutes + self.demo_minutes

    @property
    def total_text(self) -> str:
        """The total in hours and minutes, as learners plan their time ("3 h 35 min")."""
        hours, minutes = divmod(self.total_minutes, 60)
        if hours:
            return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
        return _("%(minutes)d min") % {"minutes": minutes}


def course_time(*, course: Course) -> CourseTime:
    """Lesson minutes sum the published lessons' estimates; exam and demo minutes come from the
    `time:` block of course.yaml, which the course's content tests keep equal to the exam's limit
    and the required demos."""
    stated = (course.metadata or {}).get("time") or {}
    lesson_minutes = getattr(course, "total_minutes", None)
    if lesson_minutes is None:
        lesson_minutes = Lesson.objects.filter(
            module__course=course, is_published=True, module__is_published=True
        ).aggregate(total=Sum("estimated_minutes"))["total"]
    return CourseTime(
        lesson_minutes=int(lesson_minutes or 0),
        exam_minutes=int(stated.get("exam_minutes") or 0),
        demo_minutes=int(stated.get("demo_minutes") or 0),
    )


def _published_courses(language: str | None) -> QuerySet[Course]:
    published = Q(modules__is_published=True, modules__lessons__is_published=True)
    courses = with_translation(
        Course.objects.filter(is_published=True),
        relation="translations",
        alias="t",
        fields=COURSE_TEXT,
        language=language,
    )
    return courses.annotate(
        lesson_count=Count("modules__lessons", filter=published),
        total_minutes=Sum("modules__lessons__estimated_minutes", filter=published),
    )


def course_list_published(*, language: str | None = None) -> list[Course]:
    """Published courses with their lesson count and minutes, shown in `language` where translated."""
    return [
        localized(course, alias="t", fields=COURSE_TEXT, language=language) for course in _published_courses(language)
    ]


def course_get_published(*, slug: str, language: str | None = None) -> Course:
    course = _published_courses(language).get(slug=slug)
    return localized(course, alias="t", fields=COURSE_TEXT, language=language)


def module_list_with_lessons(*, course: Course, language: str | None = None) -> list[Module]:
    modules = with_translation(
        course.modules.filter(is_published=True),
        relation="translations",
        alias="t",
        fields=MODULE_TEXT,
        language=language,
    ).prefetch_related(
        Prefetch(
            "lessons",
            queryset=with_translation(
                Lesson.objects.filter(is_published=True),
                relation="translations",
                alias="t",
                fields=("title",),
                language=language,
            ),
        )
    )
    shown = []
    for module in modules:
        for lesson in module.lessons.all():
            localized(lesson, alias="t", fields=("title",), language=language)
        shown.append(localized(module, alias="t", fields=MODULE_TEXT, language=language))
    return shown


def lesson_get_published(
    *, course_slug: str, module_slug: str, lesson_slug: str, language: str | None = None
) -> Lesson:
    """The lesson with its module and course; with a `language`, each shown in it where translated."""
    lessons = Lesson.objects.select_related("module__course")
    lessons = with_translation(lessons, relation="translations", alias="t", fields=LESSON_TEXT, language=language)
    lessons = with_translation(
        lessons, relation="module__translations", alias="tm", fields=("title",), language=language
    )
    lessons = with_translation(
        lessons, relation="module__course__translations", alias="tc", fields=("title",), language=language
    )
    lesson = lessons.get(
        slug=lesson_slug,
        module__slug=module_slug,
        module__course__slug=course_slug,
        is_published=True,
        module__is_published=True,
        module__course__is_published=True,
    )
    localized(lesson.module, alias="tm", fields=("title",), language=language, annotated=lesson)
    localized(lesson.module.course, alias="tc", fields=("title",), language=language, annotated=lesson)
    return localized(lesson, alias="t", fields=LESSON_TEXT, language=language)


def lesson_sequence(*, course: Course, language: str | None = None) -> list[Lesson]:
    """Every published lesson of the course in reading order, titled in `language` where translated."""
    lessons = with_translation(
        Lesson.objects.filter(module__course=course, is_published=True, module__is_published=True)
        .select_related("module")
        .order_by("module__order", "module__id", "order", "id"),
        relation="translations",
        alias="t",
        fields=("title",),
        language=language,
    )
    return [localized(lesson, alias="t", fields=("title",), language=language) for lesson in lessons]


def lesson_neighbours(*, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    language = getattr(lesson, "content_language", None)
    sequence = lesson_sequence(
        course=lesson.module.course, language=None if language in (None, SOURCE_LANGUAGE) else language
    )
    index = next(i for i, item in enumerate(sequence) if item.pk == lesson.pk)
    previous = sequence[index - 1] if index > 0 else None
    following = sequence[index + 1] if index + 1 < len(sequence) else None
    return previous, following


def completed_lesson_ids(*, user, course: Course) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(
        LessonCompletion.objects.filter(user=user, lesson__module__course=course).values_list("lesson_id", flat=True)
    )


def course_progress(*, user, course: Course) -> CourseProgress:
    published = Lesson.objects.filter(module__course=course, is_published=True, module__is_published=True)
    total = published.count()
    if not user.is_authenticated:
        return CourseProgress(completed=0, total=total, resume_lesson=None)
    completed = LessonCompletion.objects.filter(user=user, lesson__in=published).count()
    enrollment = (
        Enrollment.objects.filter(user=user, course=course, last_lesson__is_published=True)
        .select_related("last_lesson__module")
        .first()
    )
    return CourseProgress(
        completed=completed, total=total, resume_lesson=enrollment.last_lesson if enrollment else None
    )


def enrollment_list_for_user(*, user, language: str | None = None) -> list[tuple[Course, CourseProgress]]:
    enrollments = with_translation(
        Enrollment.objects.filter(user=user, course__is_published=True)
        .select_related("course")
        .order_by("-last_visited_at"),
        relation="course__translations",
        alias="tc",
        fields=COURSE_TEXT,
        language=language,
    )
    return [
        (
            localized(enrollment.course, alias="tc", fields=COURSE_TEXT, language=language, annotated=enrollment),
            course_progress(user=user, course=enrollment.course),
        )
        for enrollment in enrollments
    ]


def personal_data_sections(*, user_id: int) -> list[PersonalDataSection]:
    """The learner's enrolments and completed lessons, for their data export."""
    enrollments = Enrollment.objects.filter(user_id=user_id).select_related("course", "last_lesson").order_by("id")
    completions = (
        LessonCompletion.objects.filter(user_id=user_id)
        .select_related("lesson__module__course")
        .order_by("completed_at", "id")
    )
    return [
        PersonalDataSection(
            key="course_enrollments",
            about="The courses you started, and the lesson you last opened in each.",
            records=tuple(
                {
                    "course": enrollment.course.slug,
                    "course_title": enrollment.course.title,
                    "started_at": enrollment.started_at,
                    "last_visited_at": enrollment.last_visited_at,
                    "last_lesson": enrollment.last_lesson.slug if enrollment.last_lesson else None,
                }
                for enrollment in enrollments
            ),
        ),
        PersonalDataSection(
            key="lesson_completions",
            about="The lessons you marked complete.",
            records=tuple(
                {
                    "course": completion.lesson.module.course.slug,
                    "module": completion.lesson.module.slug,
                    "lesson": completion.lesson.slug,
                    "lesson_title": completion.lesson.title,
                    "completed_at": completion.completed_at,
                }
                for completion in completions
            ),
        ),
    ]
