"""The instructor home's figures: one cohort overview per course, read only through the other
apps' api modules (this app has no models of its own)."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from assessments import api as assessments_api
from certificates import api as certificates_api
from courses import api as courses_api


@dataclass(frozen=True)
class FunnelStage:
    label: str
    learners: int
    # Share of the enrolled learners, 0-100, for the bar.
    percent: int


@dataclass(frozen=True)
class CohortOverview:
    course: courses_api.CourseInfo
    funnel: tuple[FunnelStage, ...]
    assessments: assessments_api.CohortAssessments

    @property
    def exam_pass_rate(self) -> int | None:
        taken = self.assessments.exam_taken
        return round(100 * self.assessments.exam_passed / taken) if taken else None


def _stage(label: str, learners: int, enrolled: int) -> FunnelStage:
    return FunnelStage(label=label, learners=learners, percent=round(100 * learners / enrolled) if enrolled else 0)


def cohort_overview_get(*, course: courses_api.CourseInfo) -> CohortOverview:
    requires = course.certificate
    demo_slugs = list(requires.demo_slugs)
    lessons = courses_api.cohort_lessons(course_id=course.id)
    assessments = assessments_api.cohort_assessments(
        course_id=course.id, exam_slug=requires.exam_slug, demo_slugs=demo_slugs
    )
    enrolled = lessons.enrolled
    stages = [
        (_("Enrolled"), enrolled),
        (_("Completed a lesson"), lessons.completed_a_lesson),
        (_("Took the exam"), assessments.exam_taken),
        (_("Passed the exam"), assessments.exam_passed),
    ]
    if demo_slugs:
        stages.append((_("Passed every required demo"), assessments.learners_passed_every_demo))
    stages.append((_("Holds the certificate"), certificates_api.certificate_count_valid(course_id=course.id)))
    return CohortOverview(
        course=course,
        funnel=tuple(_stage(label, count, enrolled) for label, count in stages),
        assessments=assessments,
    )


def cohort_overview_list() -> list[CohortOverview]:
    return [cohort_overview_get(course=course) for course in courses_api.course_list()]
