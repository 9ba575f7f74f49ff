"""Instructor home: the cohort funnel per course, read through the apps' api modules; and the
confirmation steps on revoke, reset and re-issue."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from django.utils import timezone

from assessments.exams import services as exam_services
from certificates.models import Certificate
from courses.models import Enrollment, LessonCompletion
from tests.accounts.factories import UserFactory
from tests.assessments.records import REQUIRED_DEMOS, demo_submission_graded, exam_attempt_finished
from tests.certificates.factories import CertificateFactory, CourseFactory
from tests.courses.factories import LessonFactory, ModuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    course = CourseFactory(is_published=True)
    module = ModuleFactory(course=course, slug="basics", title="Basics", order=1)
    LessonFactory(module=module, slug="first", title="First steps", order=1)
    return course


def funnel(html: str) -> list[int]:
    import re

    return [int(n) for n in re.findall(r'class="funnel-count"><strong>(\d+)</strong>', html)]


def test_learners_cannot_open_the_instructor_home(learner_client):
    assert learner_client.get(reverse("instructor:home")).status_code == 403


def test_funnel_moves_as_learners_progress(instructor_client, course):
    url = reverse("instructor:home")
    learners = UserFactory.create_batch(3)
    for learner in learners:
        Enrollment.objects.create(user=learner, course=course)
    assert funnel(instructor_client.get(url).content.decode()) == [3, 0, 0, 0, 0, 0]

    lesson = course.modules.get().lessons.get()
    LessonCompletion.objects.create(user=learners[0], lesson=lesson)
    LessonCompletion.objects.create(user=learners[1], lesson=lesson)
    exam_attempt_finished(user=learners[0], course=course, score_percent=90, passed=True)
    exam_attempt_finished(user=learners[1], course=course, score_percent=50, passed=False)
    for slug, title in REQUIRED_DEMOS:
        demo_submission_graded(user=learners[0], course=course, slug=slug, title=title)
    html = instructor_client.get(url).content.decode()
    assert funnel(html) == [3, 2, 2, 1, 1, 0]
    assert "50%" in html  # exam pass rate: one of two learners who took it
    assert "70%" in html  # median best exam score of 90 and 50
    assert "Structured extraction" in html and "structured-extraction</" not in html

    CertificateFactory(learner=learners[0], course=course)
    assert funnel(instructor_client.get(url).content.decode())[-1] == 1


def management_links(html: str) -> list[str]:
    import re

    rows = re.findall(r'<p class="button-row">(.*?)</p>', html, flags=re.S)
    return [href for row in rows for href in re.findall(r'href="([^"]+)"', row)]


@pytest.mark.parametrize("role", ["instructor", "staff"])
def test_every_management_link_on_the_home_opens_for_whoever_sees_it(client, course, role):
    exam_attempt_finished(user=UserFactory(), course=course, score_percent=90, passed=True)
    person = UserFactory(role=role, is_staff=role == "staff")
    TOTP.activate(person, generate_totp_secret())
    client.force_login(person)
    links = management_links(client.get(reverse("instructor:home")).content.decode())
    assert reverse("demos:review") in links
    # Certificates are managed by staff only: an instructor is not offered a page that refuses them.
    assert (reverse("certificates:manage_list") in links) is (role == "staff")
    assert {link: client.get(link).status_code for link in links} == dict.fromkeys(links, 200)


def test_revoke_needs_a_chosen_reason_and_a_confirmation(staff_client, learner):
    certificate = CertificateFactory(learner=learner)
    detail = staff_client.get(reverse("certificates:manage_detail", args=[certificate.display_id]))
    html = detail.content.decode()
    assert '<option value="" selected>Choose a reason</option>' in html
    assert "shows this certificate as revoked at once" in html
    url = reverse("certificates:manage_revoke", args=[certificate.display_id])
    response = staff_client.post(url, {"reason": "other", "note": "Duplicate"})
    assert "Tick the box to confirm the revocation." in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID
    staff_client.post(url, {"reason": "other", "note": "Duplicate", "confirm": "on"})
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED


def test_reissue_needs_a_confirmation(staff_client, learner):
    certificate = CertificateFactory(learner=learner)
    url = reverse("certificates:manage_reissue", args=[certificate.display_id])
    response = staff_client.post(url, {"reissue-note": "Reprint"})
    assert "Tick the box to confirm the re-issue." in response.content.decode()
    assert Certificate.objects.filter(learner=learner).count() == 1


def test_attempt_log_credits_the_learner_by_name_and_reset_needs_a_confirmation(instructor_client, learner, course):
    exam = exam_attempt_finished(user=learner, course=course).exam
    exam.cooldown_hours = 0
    exam.save()
    attempt = exam_services.attempt_start(user=learner, exam=exam, now=timezone.now())
    log_url = reverse("exams:attempt_log", args=[attempt.public_id])
    html = instructor_client.get(log_url).content.decode()
    assert f"{learner.display_name} (learner)" in html
    assert ">system<" not in html
    response = instructor_client.post(log_url, {"reason": "Fire alarm"})
    assert "Tick the box to confirm the reset." in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.state == "open"


def test_instructors_land_on_their_home_and_learners_on_the_dashboard(rf, instructor, learner):
    from config.account_adapter import AccountAdapter

    request = rf.get("/accounts/login/")
    request.user = instructor
    assert AccountAdapter(request).get_login_redirect_url(request) == reverse("instructor:home")
    request.user = learner
    assert AccountAdapter(request).get_login_redirect_url(request) == reverse("dashboard")
