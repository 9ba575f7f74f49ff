"""The path-to-certificate component: built from the other apps' api modules, it names demos by
title, ticks each requirement as the learner meets it and points to the next one."""

import pytest
from django.urls import reverse

from assessments.models import DemoTask, Submission, SubmissionState
from certificates.progress import certificate_path_get
from tests.assessments.records import REQUIRED_DEMOS, demo_submission_graded, exam_attempt_finished
from tests.certificates.factories import CertificateFactory, CourseFactory
from tests.courses.factories import LessonFactory, ModuleFactory
from tests.experience.records import required_demo_tasks_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    course = CourseFactory()
    module = ModuleFactory(course=course, slug="basics", title="Basics", order=1)
    LessonFactory(module=module, slug="first", title="First steps", order=1)
    required_demo_tasks_create(course=course)
    return course


def states(path) -> dict[str, str]:
    return {step.key: step.state for step in path.steps}


def test_a_new_learner_is_pointed_at_the_exam_and_sees_demo_titles(course, learner):
    path = certificate_path_get(user_id=learner.pk, course_id=course.pk)
    assert states(path) == {
        "lessons": "todo",
        "practice": "todo",
        "exam": "next",
        "demo-structured-extraction": "todo",
        "demo-function-calling": "todo",
    }
    titles = [step.title for step in path.steps]
    assert "Pass the demo “Structured extraction”" in titles
    assert not any("structured-extraction" in title for title in titles)
    assert (path.required_done, path.required_total) == (0, 3)
    # Lessons are not required by this course, so they are optional, not "next".
    assert path.steps[0].required is False


def test_each_result_ticks_its_step_and_moves_next_along(course, learner):
    exam_attempt_finished(user=learner, course=course, score_percent=62, passed=False)
    path = certificate_path_get(user_id=learner.pk, course_id=course.pk)
    exam_step = next(step for step in path.steps if step.key == "exam")
    assert exam_step.state == "next"
    assert "62%" in exam_step.detail and "attempts left" in exam_step.detail

    exam_attempt_finished(user=learner, course=course, score_percent=90, passed=True)
    assert states(certificate_path_get(user_id=learner.pk, course_id=course.pk))["exam"] == "done"
    assert states(certificate_path_get(user_id=learner.pk, course_id=course.pk))["demo-structured-extraction"] == "next"

    waiting = demo_submission_graded(user=learner, course=course, slug="structured-extraction", title="x")
    Submission.objects.filter(pk=waiting.pk).update(state=SubmissionState.NEEDS_REVIEW, passed=None)
    path = certificate_path_get(user_id=learner.pk, course_id=course.pk)
    assert states(path)["demo-structured-extraction"] == "waiting"
    assert states(path)["demo-function-calling"] == "next"

    for slug, title in REQUIRED_DEMOS:
        demo_submission_graded(user=learner, course=course, slug=slug, title=title)
    path = certificate_path_get(user_id=learner.pk, course_id=course.pk)
    assert (path.required_done, path.required_total) == (3, 3)
    assert path.earned is False

    CertificateFactory(learner=learner, course=course)
    assert certificate_path_get(user_id=learner.pk, course_id=course.pk).earned is True


def test_a_best_score_just_under_the_pass_mark_is_not_rounded_up_to_it(course, learner):
    exam_attempt_finished(user=learner, course=course, score_percent=79.6, passed=False)
    path = certificate_path_get(user_id=learner.pk, course_id=course.pk)
    exam_step = next(step for step in path.steps if step.key == "exam")
    assert "79.60%" in exam_step.detail and "80%" not in exam_step.detail


def test_course_without_requirements_shows_no_path(learner):
    course = CourseFactory(metadata={})
    assert certificate_path_get(user_id=learner.pk, course_id=course.pk) is None


def test_course_page_and_dashboard_render_the_component(course, learner_client, learner):
    html = learner_client.get(reverse("courses:course", args=[course.slug])).content.decode()
    assert "Your path to the certificate" in html
    assert "Pass the demo “Function calling”" in html
    learner_client.get(reverse("courses:lesson", args=[course.slug, "basics", "first"]))
    html = learner_client.get(reverse("dashboard")).content.decode()
    assert "Your path to the certificate" in html
    assert 'data-step="exam" data-state="next"' in html
    assert "Pass the certification exam" in html


def test_demo_list_marks_the_demos_the_certificate_requires(course, learner_client):
    DemoTask.objects.create(
        course=course,
        slug="extra-practice",
        title="Extra practice",
        domain="prompting",
        modality="text",
        version="v1",
        spec={},
        brief_html="<p>Brief</p>",
        source_path="demos/extra/task.md",
    )
    html = learner_client.get(reverse("demos:list")).content.decode()
    rows = {row.split("</th>")[0] for row in html.split('<th scope="row">')[1:]}
    marked = {row for row in rows if "Required for the certificate" in row}
    assert len(marked) == 2
    assert not any("Extra practice" in row for row in marked)
