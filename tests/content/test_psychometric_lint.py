"""The flagship bank passes the psychometric lint that `sync_content` runs as warnings.

A bank a test-wise candidate can pass without the course certifies nothing, so here the lint's
findings fail the build, and the guesser's score is printed for the record.
"""

from assessments.exams.content import ExamBankSection, lint_items
from assessments.exams.lint import GUESSER_LIMIT, bank_lint
from courses.api import ContentReport, CourseSource
from courses.content.lessons import LessonSection

from .conftest import GUESSER_SCORE
from .course_files import COURSE_DIR, COURSE_SLUG, course_spec


def _parsed_bank():
    report = ContentReport(root=COURSE_DIR.parent)
    source = CourseSource(
        slug=COURSE_SLUG, directory=COURSE_DIR, spec=course_spec(), spec_path=COURSE_DIR / "course.yaml"
    )
    lessons = LessonSection().parse(source, report, {})
    bank = ExamBankSection().parse(source, report, {"lessons": lessons})
    assert not report.errors, "\n".join(map(str, report.errors))
    return bank, report


def test_the_bank_passes_the_psychometric_lint_and_prints_the_guesser_score():
    bank, report = _parsed_bank()
    result = bank_lint(items=lint_items(bank.questions))
    figure = (
        f"test-wise guesser: {result.guesser_score:.1%} on {result.single_items} single-choice items "
        f"(limit {GUESSER_LIMIT:.0%})"
    )
    print(figure)
    GUESSER_SCORE.append(figure)
    assert result.single_items >= 60
    assert result.guesser_score <= GUESSER_LIMIT
    assert [f"{finding.where}: {finding.message}" for finding in result.findings] == []
    # The sync reports the same findings as warnings; a clean bank leaves none of them.
    assert not [w for w in report.warnings if "guesser" in w.message or "third of the key" in w.message]
