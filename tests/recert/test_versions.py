import pytest

from assessments.api import delta_exam_ensure
from assessments.exams import services
from assessments.exams.delta import delta_exam_ensure as ensure_exam
from assessments.models import Exam
from courses.api import course_version_delta, course_version_list
from courses.models import Course, CourseVersion
from tests.assessments.exams.conftest import START, sync
from tests.recert.conftest import bump_version, release_version_2

pytestmark = pytest.mark.django_db


def test_a_sync_records_each_new_version_once_and_never_rewrites_it(course_root):
    course = Course.objects.get(slug="demo-course")
    first = CourseVersion.objects.get(course=course, version="1")
    assert set(first.manifest["questions"]) == {"prm-001", "prm-002", "prm-003", "prm-004", "tool-001", "tool-002"}
    assert set(first.manifest["lessons"]) == {"basics/hello", "tools/calls"}
    assert sync(course_root).changes == []  # unchanged content, known version: nothing recorded
    release_version_2(course_root)
    result = sync(course_root)
    assert "recorded course version demo-course 2" in result.changes
    assert [v.version for v in course_version_list(course_id=course.id)] == ["1", "2"]
    first.refresh_from_db()
    assert "prm-005" not in first.manifest["questions"]


def test_the_delta_names_what_changed_and_the_questions_to_ask(course_root):
    release_version_2(course_root)
    sync(course_root)
    course = Course.objects.get(slug="demo-course")
    delta = course_version_delta(course_id=course.id, from_version="1", to_version="2")
    assert delta.from_known
    assert delta.questions_changed == ("prm-002",)
    assert delta.questions_added == ("prm-005",)
    assert delta.lessons_changed == ("tools/calls",) and delta.lessons_added == ()
    assert delta.demos_to_redo == ()
    # Changed, added, and those whose lesson changed; prm-001/003/004 are untouched.
    assert delta.exam_question_ids == ("prm-002", "prm-005", "tool-001", "tool-002")
    assert not delta.is_empty
    same = course_version_delta(course_id=course.id, from_version="2", to_version="2")
    assert same.is_empty and same.exam_question_ids == ()
    unknown = course_version_delta(course_id=course.id, from_version="0.9", to_version="2")
    assert not unknown.from_known and len(unknown.exam_question_ids) == 7


def test_a_version_bump_alone_changes_nothing(course_root):
    bump_version(course_root, "1.1")
    sync(course_root)
    course = Course.objects.get(slug="demo-course")
    assert course_version_delta(course_id=course.id, from_version="1", to_version="1.1").is_empty


def test_the_delta_exam_draws_only_changed_questions_and_survives_a_sync(course_root, learner):
    release_version_2(course_root)
    sync(course_root)
    course = Course.objects.get(slug="demo-course")
    delta = course_version_delta(course_id=course.id, from_version="1", to_version="2")
    info = delta_exam_ensure(
        course_id=course.id,
        from_version="1",
        to_version="2",
        question_external_ids=list(delta.exam_question_ids),
        now=START,
    )
    assert info is not None and info.question_count == 4 and info.pass_mark_percent == 80
    again = delta_exam_ensure(
        course_id=course.id, from_version="1", to_version="2", question_external_ids=["prm-001"], now=START
    )
    assert again == info  # created once; later calls return it unchanged
    exam = Exam.objects.get(slug=info.slug)
    attempt = services.attempt_start(user=learner, exam=exam, now=START)
    drawn = {slot.version.question.external_id for slot in attempt.questions.select_related("version__question")}
    assert drawn == set(delta.exam_question_ids)
    sync(course_root)  # the delta exam is not in the content tree, and a sync must leave it published
    exam.refresh_from_db()
    assert exam.is_published
    listed = {e.slug for e in Exam.objects.filter(course=course, is_published=True, delta__isnull=True)}
    assert listed == {"final-exam"}


def test_the_delta_exam_caps_its_length_and_spreads_domains(course_root):
    course = Course.objects.get(slug="demo-course")
    info = delta_exam_ensure(course_id=course.id, from_version="0", to_version="1", question_external_ids=[], now=START)
    exam = Exam.objects.get(slug=info.slug)
    # The whole bank (6 questions) is under the cap of 8; both domains are asked.
    assert exam.question_count == 6 and exam.blueprint == {"prompting": 4, "tools": 2}
    capped = ensure_exam(
        course_id=course.id, from_version="0", to_version="1b", question_external_ids=[], now=START, size=3
    )
    assert capped.slug != info.slug
    assert capped.question_count == 3 and capped.blueprint == {"prompting": 2, "tools": 1}
