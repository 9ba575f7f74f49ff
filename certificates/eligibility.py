"""The rules that decide whether a learner has earned a course's certificate.

Pure: the caller passes the course's requirements (`courses.api.CourseInfo.certificate`,
course.yaml's `certificate:` block) and gathers the learner's results through
`assessments.api` and `courses.api`, so the rules are tested with plain dataclasses and no
database.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from assessments.api import DemoOutcome, ExamOutcome
from courses.api import CertificateRequirements, LessonsSummary


@dataclass(frozen=True)
class PassedDemo:
    slug: str
    title: str
    score: float


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    # What is still missing, in words a learner can act on; empty when eligible.
    unmet: tuple[str, ...]
    exam_score: float | None
    demos_passed: tuple[PassedDemo, ...]
    # True when any result the decision rests on was earned in test mode.
    test_mode: bool
    validity_months: int | None


def _best(outcomes: Sequence[DemoOutcome]) -> DemoOutcome:
    """A real (not test-mode) pass beats a test-mode one; then the higher score."""
    return min(outcomes, key=lambda outcome: (outcome.test_mode, -outcome.score))


def eligibility_evaluate(
    requirements: CertificateRequirements,
    exam_outcome: ExamOutcome | None,
    demo_outcomes: Sequence[DemoOutcome],
    lessons_summary: LessonsSummary | None,
) -> Eligibility:
    exam_slug = requirements.exam_slug
    required_demos = list(requirements.demo_slugs)

    if not requirements.awards_certificate:
        return Eligibility(
            False, ("This course does not award a certificate.",), None, (), False, requirements.validity_months
        )

    unmet: list[str] = []
    counted_test_mode: list[bool] = []

    exam_score = None
    if exam_slug:
        if exam_outcome is None or exam_outcome.exam_slug != exam_slug or not exam_outcome.passed:
            unmet.append("Pass the certification exam.")
        else:
            exam_score = exam_outcome.score_percent
            counted_test_mode.append(exam_outcome.test_mode)

    passed_by_slug: dict[str, list[DemoOutcome]] = {}
    for outcome in demo_outcomes:
        if outcome.passed:
            passed_by_slug.setdefault(outcome.demo_slug, []).append(outcome)
    best = {slug: _best(outcomes) for slug, outcomes in passed_by_slug.items()}

    for slug in required_demos:
        if slug in best:
            counted_test_mode.append(best[slug].test_mode)
        else:
            unmet.append(f"Pass the hands-on demo “{slug}”.")

    if requirements.all_lessons and not (lessons_summary and lessons_summary.all_complete):
        unmet.append("Mark every lesson complete.")

    test_mode = any(counted_test_mode)
    # Required demos first, in the course's order; then any other demo passed. A real
    # certificate never lists a demo that was only passed in test mode.
    ordered = required_demos + sorted(slug for slug in best if slug not in required_demos)
    demos_passed = tuple(
        PassedDemo(slug=best[slug].demo_slug, title=best[slug].title, score=best[slug].score)
        for slug in ordered
        if slug in best and (test_mode or not best[slug].test_mode)
    )
    return Eligibility(
        eligible=not unmet,
        unmet=tuple(unmet),
        exam_score=exam_score,
        demos_passed=demos_passed,
        test_mode=test_mode,
        validity_months=requirements.validity_months,
    )
