from pathlib import Path

import pytest

from assessments.exams import services
from assessments.models.exams import Exam, Question, QuestionVersion
from courses.api import ContentValidationError

from .conftest import BANK_KINDS, START, sync

pytestmark = pytest.mark.django_db


def bank(root: Path) -> Path:
    return root / "demo-course" / "questions" / "bank.yaml"


def exam_file(root: Path) -> Path:
    return root / "demo-course" / "exams" / "final-exam.yaml"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def snapshot():
    return sorted(QuestionVersion.objects.values_list("question__external_id", "number", "stem")), sorted(
        Exam.objects.values_list("slug", "question_count")
    )


def test_sync_creates_questions_and_exam_then_reports_no_changes(content_root):
    first = sync(content_root)
    assert "created question prm-001" in first.changes
    assert "created exam final-exam" in first.changes
    assert Question.objects.filter(is_published=True).count() == 6
    exam = Exam.objects.get(slug="final-exam")
    assert exam.blueprint == {"prompting": 2, "tools": 1}
    assert exam.review == "correct_answers"
    assert sync(content_root).changes == []


def test_every_kind_parses_and_renders(content_root):
    edit(bank(content_root), "questions:\n", "questions:\n" + BANK_KINDS)
    sync(content_root)
    multi = Question.objects.get(external_id="mix-multi").current_version
    assert multi.key == {"scoring": "partial"}
    assert [o["id"] for o in multi.options] == ["a", "b", "c", "d"]
    numeric = Question.objects.get(external_id="mix-num").current_version
    assert numeric.key == {"answer": "10000000000", "tolerance": "0"} and numeric.points == 2
    assert Question.objects.get(external_id="mix-text").current_version.key["pattern"] == "tool[-_ ]?choice"
    assert Question.objects.get(external_id="mix-order").current_version.module_slug == "basics"


@pytest.mark.parametrize(
    ("target", "old", "new", "expected"),
    [
        ("bank", "domain: prompting", "domain: nope", "bank.yaml:4: unknown domain 'nope'"),
        ("bank", "kind: single", "kind: essay", "bank.yaml:3: unknown kind 'essay'"),
        (
            "bank",
            "Option A of prm-001}",
            "Option A of prm-001, correct: true}",
            "bank.yaml:9: a 'single' question needs exactly one correct option; this one has 2",
        ),
        (
            "bank",
            "basics/hello#objectives",
            "basics/hello#missing",
            "bank.yaml:6: lesson 'basics/hello' has no heading with id 'missing'",
        ),
        (
            "bank",
            "basics/hello#objectives",
            "nowhere/hello#objectives",
            "bank.yaml:6: lesson 'nowhere/hello' does not exist",
        ),
        ("bank", "id: prm-002", "id: prm-001", "bank.yaml:13: duplicate question id 'prm-001'"),
        (
            "exam",
            "prompting: 2",
            "prompting: 5",
            "final-exam.yaml:5: the bank cannot fill the blueprint: it asks for 5 'prompting' questions and the bank has 4",
        ),
        (
            "exam",
            "question_count: 3",
            "question_count: 4",
            "final-exam.yaml:3: question_count is 4 but the blueprint adds up to 3",
        ),
        ("exam", "review: correct_answers", "review: everything", "final-exam.yaml:12: 'review' must be one of"),
    ],
)
def test_invalid_content_names_file_and_line_and_writes_nothing(content_root, target, old, new, expected):
    sync(content_root)
    before = snapshot()
    edit(bank(content_root) if target == "bank" else exam_file(content_root), old, new)
    with pytest.raises(ContentValidationError) as caught:
        sync(content_root)
    assert any(expected in str(problem) for problem in caught.value.problems), caught.value.problems
    assert snapshot() == before


def test_invalid_first_sync_writes_nothing(content_root):
    edit(bank(content_root), "domain: tools", "domain: tooling")
    with pytest.raises(ContentValidationError):
        sync(content_root)
    assert not Question.objects.exists() and not Exam.objects.exists()


def test_certificate_must_name_an_existing_exam(content_root):
    exam_file(content_root).rename(exam_file(content_root).with_name("other.yaml"))
    edit(exam_file(content_root).with_name("other.yaml"), "slug: final-exam", "slug: other")
    with pytest.raises(ContentValidationError) as caught:
        sync(content_root)
    assert any(
        "course.yaml" in str(p) and "certificate requires exam 'final-exam'" in str(p) for p in caught.value.problems
    )


def test_edit_makes_new_version_and_open_attempt_keeps_the_old_one(content_root, learner):
    sync(content_root)
    exam = Exam.objects.get(slug="final-exam")
    attempt = services.attempt_start(user=learner, exam=exam, now=START)
    shown = {slot.version_id: slot.version.stem for slot in attempt.questions.select_related("version")}
    text = bank(content_root).read_text()
    bank(content_root).write_text(text.replace("stem: Question ", "stem: Reworded question "))
    result = sync(content_root)
    assert "updated question prm-001 (version 2)" in result.changes
    question = Question.objects.get(external_id="prm-001")
    assert question.versions.count() == 2
    assert question.current_version.number == 2 and question.current_version.stem.startswith("Reworded")
    # The attempt in progress still shows and scores exactly what it drew.
    for slot in attempt.questions.select_related("version"):
        assert slot.version.number == 1
        assert shown[slot.version_id] == slot.version.stem
        assert not slot.version.stem.startswith("Reworded")
    assert sync(content_root).changes == []


def test_versions_are_immutable(exam):
    version = QuestionVersion.objects.first()
    version.stem = "changed in place"
    with pytest.raises(ValueError):
        version.save()


def test_removed_question_is_unpublished_not_deleted(content_root):
    sync(content_root)
    text = bank(content_root).read_text()
    start = text.index("  - id: prm-004")
    end = text.index("  - id: tool-001")
    bank(content_root).write_text(text[:start] + text[end:])
    assert "unpublished question prm-004" in sync(content_root).changes
    assert Question.objects.get(external_id="prm-004").is_published is False
