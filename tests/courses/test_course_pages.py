import pytest
from django.urls import reverse

from courses.models import Enrollment, LessonCompletion
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory, LessonFactory, ModuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    course = CourseFactory(slug="grok", title="Grok course")
    first = ModuleFactory(course=course, slug="basics", order=1)
    second = ModuleFactory(course=course, slug="advanced", order=2)
    LessonFactory(module=first, slug="one", title="One", order=1, estimated_minutes=4)
    LessonFactory(module=first, slug="two", title="Two", order=2, estimated_minutes=5)
    LessonFactory(module=second, slug="three", title="Three", order=1, estimated_minutes=6)
    LessonFactory(module=second, slug="hidden", title="Hidden", order=2, is_published=False)
    return course


def lesson_url(module, lesson):
    return reverse("courses:lesson", args=["grok", module, lesson])


def test_catalog_lists_published_courses_with_time(client, course):
    CourseFactory(title="Unpublished", is_published=False)
    page = client.get(reverse("courses:catalog")).content.decode()
    assert "Grok course" in page and "Unpublished" not in page
    assert "3 lessons" in page and "about 15 minutes" in page


def test_empty_catalog_explains_how_to_publish(client, db):
    page = client.get(reverse("courses:catalog")).content.decode()
    assert "No courses yet" in page and "sync_content" in page


def test_lesson_has_previous_and_next_across_modules(client, course):
    page = client.get(lesson_url("basics", "two")).content.decode()
    assert 'rel="prev" href="/courses/grok/basics/one/"' in page
    assert 'rel="next" href="/courses/grok/advanced/three/"' in page


def test_unpublished_lesson_is_not_found(client, course):
    assert client.get(lesson_url("advanced", "hidden")).status_code == 404


def test_anonymous_reader_is_invited_to_sign_in(client, course):
    page = client.get(lesson_url("basics", "one")).content.decode()
    assert "to record your progress" in page


def test_mark_complete_with_htmx_returns_the_partial(learner_client, learner, course):
    response = learner_client.post(
        reverse("courses:lesson_complete", args=["grok", "basics", "one"]), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and "You finished this lesson." in body
    assert 'value="33"' in body
    assert "HX-Request" in response["Vary"]
    assert LessonCompletion.objects.filter(user=learner, lesson__slug="one").count() == 1


def test_mark_complete_twice_changes_nothing(learner_client, learner, course):
    url = reverse("courses:lesson_complete", args=["grok", "basics", "one"])
    learner_client.post(url)
    response = learner_client.post(url)
    assert response.status_code == 302
    assert LessonCompletion.objects.filter(user=learner).count() == 1


def test_mark_complete_requires_login(client, course):
    response = client.post(reverse("courses:lesson_complete", args=["grok", "basics", "one"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_resume_goes_to_last_visited_lesson(learner_client, learner, course):
    assert learner_client.get(reverse("courses:resume", args=["grok"]))["Location"] == lesson_url("basics", "one")
    learner_client.get(lesson_url("advanced", "three"))
    assert Enrollment.objects.get(user=learner).last_lesson.slug == "three"
    assert learner_client.get(reverse("courses:resume", args=["grok"]))["Location"] == lesson_url("advanced", "three")


def test_overview_and_dashboard_show_progress(learner_client, learner, course):
    learner_client.post(reverse("courses:lesson_complete", args=["grok", "basics", "one"]))
    overview = learner_client.get(reverse("courses:course", args=["grok"])).content.decode()
    assert "1 of 3 lessons complete." in overview
    dashboard = learner_client.get(reverse("dashboard")).content.decode()
    assert "Grok course" in dashboard and "1 of 3 lessons complete." in dashboard


def test_dashboard_empty_state(learner_client, course):
    page = learner_client.get(reverse("dashboard")).content.decode()
    assert "You have not started a course yet" in page


def test_overview_links_the_certification_exam_and_practice(client, course):
    course.metadata = {"certificate": {"requires": {"exam": "final-exam", "demos": ["json-extraction"]}}}
    course.save()
    page = client.get(reverse("courses:course", args=["grok"])).content.decode()
    assert 'href="/exams/grok/final-exam/"' in page
    assert 'href="/practice/grok/basics/"' in page
    assert 'href="/demos/json-extraction/"' in page


def test_course_page_states_lesson_exam_and_demo_time_separately(client, course):
    course.metadata = {"time": {"exam_minutes": 30, "demo_minutes": 60}}
    course.save(update_fields=["metadata"])
    page = " ".join(client.get(reverse("courses:course", args=["grok"])).content.decode().split())
    assert "<dt>Lessons and exercises</dt><dd>about 15 minutes</dd>" in page
    assert "<dt>Exam</dt><dd>30 minutes</dd>" in page
    assert "<dt>Hands-on demos</dt><dd>about 60 minutes</dd>" in page
    assert "<dt>In all</dt><dd>about 1 h 45 min</dd>" in page


@pytest.mark.parametrize(
    ("names", "asks_for_a_name"),
    [
        ({}, True),
        ({"first_name": "Grace", "last_name": "Hopper"}, False),
        ({"certificate_name": "Grace Hopper"}, False),
    ],
)
def test_the_dashboard_asks_for_a_name_only_when_a_certificate_would_have_none(client, names, asks_for_a_name):
    client.force_login(UserFactory(**{"certificate_name": "", **names}))
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert ("no certificate can be issued without it" in dashboard) is asks_for_a_name
