"""Headless Chromium: the session ends mid-exam, the answer is kept, and sent after signing in again."""

import datetime
import json
import re

import pytest

from assessments.models.exams import Attempt, AttemptQuestion, EventKind
from tests.conftest import browser_sign_in

from .conftest import sync
from .test_session_expiry import forget_every_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"


def start_attempt(page, live_server) -> Attempt:
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/exams/demo-course/final-exam/")
    page.get_by_text("Start attempt 1…").click()
    page.get_by_role("button", name="Start the 30-minute exam now").click()
    expect(page.get_by_role("heading", name="Question 1 of 3")).to_be_visible()
    return Attempt.objects.get()


def change_answer_while_signed_out(page, attempt) -> str:
    """Choose a second option after the server forgot the session; returns the option's value."""
    from playwright.sync_api import expect

    options = page.locator("input[name=answer]")
    options.nth(0).check()
    expect(page.locator("#save-status")).to_contain_text("Answer 1 saved at")
    forget_every_session()
    options.nth(1).check()
    expect(page.get_by_role("alert").filter(has_text="Your session has ended")).to_be_visible()
    expect(page.locator("#save-status")).to_contain_text("kept in this browser")
    # Nothing of the sign-in page was pasted into the exam.
    assert page.locator(".exam-question input[name=password]").count() == 0
    kept = json.loads(page.evaluate(f"localStorage.getItem('exam-unsent:{attempt.public_id}')"))
    chosen = options.nth(1).get_attribute("value")
    assert ["answer", chosen] in kept["1"]["fields"]
    return chosen


def sign_in_again(page, user) -> None:
    page.get_by_role("link", name="Sign in again").click()
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()


@pytest.fixture
def signed_out_mid_exam(live_server, content_root, learner, browser_context):
    """(page, attempt, the option chosen after the session ended and kept in the browser)."""
    sync(content_root)
    browser_sign_in(browser_context, user=learner, live_server=live_server)
    page = browser_context.new_page()
    attempt = start_attempt(page, live_server)
    return page, attempt, change_answer_while_signed_out(page, attempt)


def test_an_answer_changed_after_the_session_ended_is_sent_after_signing_in(signed_out_mid_exam, learner):
    from playwright.sync_api import expect

    page, attempt, chosen = signed_out_mid_exam
    assert AttemptQuestion.objects.get(attempt=attempt, position=1).response != chosen

    sign_in_again(page, learner)
    # Back on the attempt page with a GET, where the kept answer is sent and the page shows it saved.
    expect(page.locator("#save-status")).to_contain_text("1 answer kept in this browser was saved")
    assert re.search(rf"/attempts/{attempt.public_id}/\?q=1$", page.url)
    expect(page.locator(f"input[name=answer][value='{chosen}']")).to_be_checked()
    assert AttemptQuestion.objects.get(attempt=attempt, position=1).response == chosen
    assert page.evaluate(f"localStorage.getItem('exam-unsent:{attempt.public_id}')") is None


def test_a_kept_answer_is_still_refused_after_the_deadline_and_grace(signed_out_mid_exam, learner):
    from playwright.sync_api import expect

    page, attempt, chosen = signed_out_mid_exam
    first_saved = AttemptQuestion.objects.get(attempt=attempt, position=1).response
    # The learner comes back too late: the deadline and its grace period have passed.
    past = attempt.started_at - datetime.timedelta(minutes=1)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=past, closes_at=past)

    sign_in_again(page, learner)
    expect(page.get_by_role("heading", name=re.compile("Your result"))).to_be_visible()
    expect(page.locator("#unsent-status")).to_contain_text("were not saved")
    expect(page.locator("#unsent-status")).to_contain_text("Time is up")
    assert AttemptQuestion.objects.get(attempt=attempt, position=1).response == first_saved != chosen
    assert attempt.events.filter(kind=EventKind.REFUSED, data__refused="answer to question 1").exists()
    assert page.evaluate(f"localStorage.getItem('exam-unsent:{attempt.public_id}')") is None
