import datetime

from assessments.api import DemoOutcome, ExamOutcome
from certificates.eligibility import PassedDemo, eligibility_evaluate
from courses.api import CertificateRequirements, LessonsSummary

NOW = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
REQUIREMENTS = {
    "validity_months": 24,
    "requires": {
        "exam": "certification-exam",
        "demos": ["structured-extraction", "function-calling"],
        "all_lessons": False,
    },
}


def exam(*, passed=True, score=86.0, slug="certification-exam", test_mode=False) -> ExamOutcome:
    return ExamOutcome(
        exam_slug=slug, passed=passed, score_percent=score, attempt_id=1, finished_at=NOW, test_mode=test_mode
    )


def demo(slug, *, passed=True, score=0.9, test_mode=False, title=None) -> DemoOutcome:
    return DemoOutcome(
        demo_slug=slug,
        title=title or slug.replace("-", " ").capitalize(),
        passed=passed,
        score=score,
        submission_id=1,
        graded_at=NOW,
        test_mode=test_mode,
    )


BOTH_DEMOS = [demo("structured-extraction"), demo("function-calling")]


def evaluate(spec, *results):
    """The rules applied to a course.yaml `certificate:` block as written."""
    return eligibility_evaluate(CertificateRequirements.from_spec(spec), *results)


def test_exam_and_required_demos_passed_is_eligible():
    result = evaluate(REQUIREMENTS, exam(), BOTH_DEMOS, None)
    assert result.eligible and result.unmet == ()
    assert result.exam_score == 86.0
    assert [d.slug for d in result.demos_passed] == ["structured-extraction", "function-calling"]
    assert result.validity_months == 24
    assert not result.test_mode


def test_no_exam_result_or_failed_or_other_exam_is_not_eligible():
    for outcome in (None, exam(passed=False), exam(slug="practice-exam")):
        result = evaluate(REQUIREMENTS, outcome, BOTH_DEMOS, None)
        assert not result.eligible
        assert result.unmet == ("Pass the certification exam.",)
        assert result.exam_score is None


def test_each_missing_or_failed_demo_is_listed():
    result = evaluate(
        REQUIREMENTS, exam(), [demo("structured-extraction"), demo("function-calling", passed=False)], None
    )
    assert not result.eligible
    assert result.unmet == ("Pass the hands-on demo “function-calling”.",)
    result = evaluate(REQUIREMENTS, exam(), [], None)
    assert len(result.unmet) == 2


def test_all_lessons_requirement_uses_the_lessons_summary():
    requirements = {**REQUIREMENTS, "requires": {**REQUIREMENTS["requires"], "all_lessons": True}}
    assert not evaluate(requirements, exam(), BOTH_DEMOS, LessonsSummary(completed=9, total=10)).eligible
    assert not evaluate(requirements, exam(), BOTH_DEMOS, None).eligible
    assert evaluate(requirements, exam(), BOTH_DEMOS, LessonsSummary(completed=10, total=10)).eligible


def test_a_requirement_added_to_the_course_applies_to_the_next_check():
    before = evaluate(REQUIREMENTS, exam(), BOTH_DEMOS, None)
    stricter = {
        **REQUIREMENTS,
        "requires": {**REQUIREMENTS["requires"], "demos": ["structured-extraction", "function-calling", "vision-ocr"]},
    }
    after = evaluate(stricter, exam(), BOTH_DEMOS, None)
    assert before.eligible and not after.eligible
    assert after.unmet == ("Pass the hands-on demo “vision-ocr”.",)


def test_courses_without_requirements_award_nothing():
    for requirements in (None, {}, {"validity_months": 12}, {"requires": {"demos": [], "all_lessons": False}}):
        result = evaluate(requirements, exam(), BOTH_DEMOS, LessonsSummary(3, 3))
        assert not result.eligible
        assert result.unmet == ("This course does not award a certificate.",)


def test_test_mode_result_that_counts_makes_a_test_mode_certificate():
    assert evaluate(REQUIREMENTS, exam(test_mode=True), BOTH_DEMOS, None).test_mode
    demos = [demo("structured-extraction", test_mode=True), demo("function-calling")]
    assert evaluate(REQUIREMENTS, exam(), demos, None).test_mode


def test_a_real_pass_outranks_a_test_mode_pass_of_the_same_demo():
    demos = [
        demo("structured-extraction", test_mode=True, score=1.0),
        demo("structured-extraction", score=0.8),
        demo("function-calling"),
    ]
    result = evaluate(REQUIREMENTS, exam(), demos, None)
    assert result.eligible and not result.test_mode
    assert result.demos_passed[0] == PassedDemo(slug="structured-extraction", title="Structured extraction", score=0.8)


def test_extra_demos_are_listed_after_required_ones_but_test_mode_ones_only_on_test_certificates():
    demos = [*BOTH_DEMOS, demo("vision-ocr"), demo("agent-search", test_mode=True)]
    real = evaluate(REQUIREMENTS, exam(), demos, None)
    assert [d.slug for d in real.demos_passed] == ["structured-extraction", "function-calling", "vision-ocr"]
    test = evaluate(REQUIREMENTS, exam(test_mode=True), demos, None)
    assert [d.slug for d in test.demos_passed] == [
        "structured-extraction",
        "function-calling",
        "agent-search",
        "vision-ocr",
    ]


def test_validity_months_must_be_a_positive_whole_number():
    for value, expected in ((24, 24), (0, None), (-3, None), ("24", None), (True, None), (None, None)):
        requirements = {**REQUIREMENTS, "validity_months": value}
        assert evaluate(requirements, exam(), BOTH_DEMOS, None).validity_months == expected


def test_a_malformed_block_reads_as_no_requirement_and_listed_demos_count_once():
    for block in ("yes", ["exam"], {"requires": "exam"}, {"requires": {"exam": 3, "demos": "function-calling"}}):
        requirements = CertificateRequirements.from_spec(block)
        assert (requirements.exam_slug, requirements.demo_slugs) == (None, ())
        assert not requirements.awards_certificate
    repeated = {"requires": {"demos": ["function-calling", "vision-ocr", "function-calling"]}}
    assert CertificateRequirements.from_spec(repeated).demo_slugs == ("function-calling", "vision-ocr")
