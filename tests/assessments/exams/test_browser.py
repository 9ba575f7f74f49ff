"""Takes the exam in headless Chromium: start, autosave, reload, submit, result."""

import re

import pytest

from assessments.models.exams import Attempt, AttemptState
from tests.conftest import browser_sign_in

from .conftest import sync


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_take_the_exam_with_a_reload_in_the_middle(live_server, content_root, learner, browser_context):
    from playwright.sync_api import expect

    sync(content_root)
    browser_sign_in(browser_context, user=learner, live_server=live_server)
    page = browser_context.new_page()
    csp_violations = []  # an inline script or style attribute would be refused by the policy
    page.on(
        "console",
        lambda message: csp_violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.goto(f"{live_server.url}/exams/demo-course/final-exam/")
    page.get_by_text("Start attempt 1…").click()
    page.get_by_role("button", name="Start the 30-minute exam now").click()
    expect(page.get_by_role("heading", name="Question 1 of 3")).to_be_visible()
    # The script took over the countdown: the announce button appears and the time is ticking from 30:00.
    expect(page.get_by_role("button", name="Announce time remaining")).to_be_visible()
    expect(page.locator("#timer-display")).to_have_text(re.compile(r"^(29:[0-5]\d|30:00)$"))

    first_option = page.locator("input[name=answer]").first
    chosen = first_option.get_attribute("value")
    first_option.check()
    expect(page.locator("#save-status")).to_contain_text("Answer 1 saved at")
    expect(page.locator("#nav-1 a")).to_have_class(re.compile("is-answered"))

    page.get_by_role("button", name="Announce time remaining").click()
    expect(page.locator("#timer-announcer")).to_have_text(re.compile(r"^(29|30) minutes?.*remaining$"))

    attempt = Attempt.objects.get(user=learner)
    page.reload()
    expect(page.locator(f"input[name=answer][value='{chosen}']")).to_be_checked()
    remaining = page.locator("#timer-display").inner_text()
    minutes, seconds = (int(part) for part in remaining.split(":"))
    assert 28 * 60 < minutes * 60 + seconds <= 30 * 60  # the server's time, not a fresh 30 minutes guess

    page.get_by_role("link", name="Review and submit").click()
    expect(page.get_by_role("heading", name="Unanswered (2)")).to_be_visible()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", name=re.compile("Your result"))).to_be_visible()
    expect(page.locator(".score")).to_have_text(re.compile(r"^\d+(\.\d+)?%$"))
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.SUBMITTED
    assert attempt.questions.get(position=1).response == chosen
    assert csp_violations == []
