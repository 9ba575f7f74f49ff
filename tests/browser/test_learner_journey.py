import re

import pytest
from django.core import mail

from tests.courses.factories import CourseFactory, LessonFactory, ModuleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_verify_read_and_complete_a_lesson(browser_page, live_server):
    course = CourseFactory(slug="grok", title="Grok course")
    module = ModuleFactory(course=course, slug="basics", title="Basics", order=1)
    LessonFactory(module=module, slug="first", title="First steps", order=1)
    LessonFactory(module=module, slug="second", title="Second steps", order=2)
    page = browser_page

    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label(re.compile(r"^Password:?$")).fill("an-unguessable-phrase-7")
    page.get_by_label("Password (again)").fill("an-unguessable-phrase-7")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))

    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(live_server.url + "/accounts/" + link.split("/accounts/", 1)[1])
    page.get_by_role("button", name="Confirm").click()

    page.goto(f"{live_server.url}/courses/grok/basics/first/")
    page.get_by_role("heading", name="First steps").wait_for()
    page.get_by_role("button", name="Mark complete").click()
    page.get_by_text("You finished this lesson.").wait_for()

    page.goto(f"{live_server.url}/dashboard/")
    card = page.locator(".course-progress", has_text="Grok course")
    assert card.get_by_text("1 of 2 lessons complete.").is_visible()
    assert card.locator("progress").get_attribute("value") == "50"
