"""In the browser: a learner watches the path to the certificate tick through the lesson, the
exam and each required demo; an instructor watches the cohort funnel move with them."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from tests.assessments.records import REQUIRED_DEMOS, demo_submission_graded, exam_attempt_finished
from tests.certificates.factories import CertificateFactory, CourseFactory
from tests.conftest import browser_sign_in
from tests.courses.factories import LessonFactory, ModuleFactory
from tests.experience.records import required_demo_tasks_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REQUIREMENTS = {
    "requires": {"exam": "certification-exam", "demos": [slug for slug, _ in REQUIRED_DEMOS], "all_lessons": True}
}


def test_path_ticks_for_the_learner_and_the_funnel_moves_for_the_instructor(
    browser_context, live_server, learner, instructor
):
    from playwright.sync_api import expect

    course = CourseFactory(slug="grok", metadata={"certificate": REQUIREMENTS})
    module = ModuleFactory(course=course, slug="basics", title="Basics", order=1, practice_questions=0)
    LessonFactory(module=module, slug="first", title="First steps", order=1)
    required_demo_tasks_create(course=course)
    browser_sign_in(browser_context, user=learner, live_server=live_server)
    page = browser_context.new_page()
    TOTP.activate(instructor, generate_totp_secret())
    instructor_context = browser_context.browser.new_context()
    browser_sign_in(instructor_context, user=instructor, live_server=live_server)
    instructor_page = instructor_context.new_page()

    def step(key):
        return page.locator(f'.course-progress [data-step="{key}"]')

    def funnel():
        instructor_page.goto(f"{live_server.url}/instructor/")
        cohort = instructor_page.locator('.cohort[data-course="grok"]')
        return [int(text) for text in cohort.locator(".funnel-count strong").all_inner_texts()]

    page.goto(f"{live_server.url}/courses/grok/basics/first/")
    page.get_by_role("button", name="Mark complete").click()
    page.get_by_text("You finished this lesson.").wait_for()
    page.goto(f"{live_server.url}/dashboard/")
    expect(step("lessons")).to_have_attribute("data-state", "done")
    expect(step("exam")).to_have_attribute("data-state", "next")
    expect(page.locator(".course-progress").get_by_text("1 of 4 required steps done.")).to_be_visible()
    assert funnel() == [1, 1, 0, 0, 0, 0]

    exam_attempt_finished(user=learner, course=course, score_percent=90, passed=True)
    page.reload()
    expect(step("exam")).to_have_attribute("data-state", "done")
    expect(step("exam")).to_contain_text("Passed with 90%")
    expect(step("demo-structured-extraction")).to_have_attribute("data-state", "next")
    assert funnel() == [1, 1, 1, 1, 0, 0]

    for done, (slug, title) in enumerate(REQUIRED_DEMOS, start=1):
        demo_submission_graded(user=learner, course=course, slug=slug, title=title)
        page.reload()
        expect(step(f"demo-{slug}")).to_have_attribute("data-state", "done")
        expect(step(f"demo-{slug}")).to_contain_text(f"Pass the demo “{title}”")
        expect(page.locator(".course-progress").get_by_text(f"{2 + done} of 4 required steps done.")).to_be_visible()
    assert funnel() == [1, 1, 1, 1, 1, 0]

    CertificateFactory(learner=learner, course=course)
    page.reload()
    expect(page.locator(".course-progress").get_by_text("You earned the certificate.")).to_be_visible()
    assert funnel() == [1, 1, 1, 1, 1, 1]
    instructor_context.close()
