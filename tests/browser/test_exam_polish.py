"""Exam and demo details a learner touches: a confirmation before the clock starts, the timer
kept in view on a phone, ordering by keyboard (the drop-downs follow and the answer is saved),
a live character counter, copy buttons on code, and times in the reader's own zone."""

import io
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from assessments.exams import services as exam_services
from assessments.models.exams import AttemptQuestion, Exam
from tests.conftest import browser_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_start_needs_confirming_and_the_phone_timer_stays_in_view(browser_context, live_server, learner, tmp_path):
    from playwright.sync_api import expect

    from tests.assessments.exams.test_views import kinds_exam

    exam = kinds_exam(tmp_path, prompting=6, tools=5)
    browser_sign_in(browser_context, user=learner, live_server=live_server)
    page = browser_context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/exams/demo-course/{exam.slug}/")
    start = page.get_by_role("button", name="Start the 30-minute exam now")
    expect(start).to_be_hidden()
    page.get_by_text("Start attempt 1…").click()
    expect(page.locator(".start-confirm")).to_contain_text("This uses attempt 1 of 1; it is your last one.")
    start.click()
    expect(page.get_by_role("heading", name=re.compile(r"Question 1 of 11"))).to_be_visible()
    page.mouse.wheel(0, 5000)
    page.wait_for_timeout(300)
    box = page.locator("#exam-timer").bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844
    assert box["height"] < 90  # compact on a phone


def test_ordering_by_keyboard_moves_items_and_saves_the_order(browser_context, live_server, learner, tmp_path):
    from playwright.sync_api import expect

    from tests.assessments.exams.test_views import kinds_exam

    exam = kinds_exam(tmp_path, prompting=6, tools=5)
    attempt = exam_services.attempt_start(user=learner, exam=exam, now=timezone.now())
    slot = AttemptQuestion.objects.select_related("version").get(attempt=attempt, version__kind="ordering")
    browser_sign_in(browser_context, user=learner, live_server=live_server)
    page = browser_context.new_page()
    page.goto(f"{live_server.url}/attempts/{attempt.public_id}/?q={slot.position}")
    labels = page.locator(".order-item label")
    first = labels.nth(0).inner_text().replace("Position of:", "").strip()
    page.get_by_role("button", name=f"Move down: {first}").focus()
    page.keyboard.press("Enter")
    expect(labels.nth(1)).to_contain_text(first)
    selects = page.locator(".order-item select")
    assert [selects.nth(i).input_value() for i in range(3)] == ["1", "2", "3"]
    expect(page.locator("#save-status")).to_contain_text(f"Answer {slot.position} saved at")
    shown = [labels.nth(i).inner_text().replace("Position of:", "").strip() for i in range(3)]
    assert shown[1] == first
    slot.refresh_from_db()
    option_by_text = {option["text"]: str(option["id"]) for option in slot.version.options}
    assert slot.response == [option_by_text[text] for text in shown]


def test_character_counter_copy_button_and_local_time(browser_context, live_server, learner):
    from playwright.sync_api import expect

    call_command("sync_content", str(settings.CONTENT_DIR), stdout=io.StringIO(), stderr=io.StringIO())
    context = browser_context.browser.new_context(timezone_id="Europe/Paris", locale="en-GB")
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    browser_sign_in(context, user=learner, live_server=live_server)
    page = context.new_page()
    page.goto(f"{live_server.url}/demos/structured-extraction/")
    prompt = page.locator("textarea[maxlength]").first
    prompt.fill("Extract the fields.")
    expect(page.locator(".char-count").first).to_contain_text("19 of")

    page.goto(f"{live_server.url}/courses/grok4-applied/tool-use/function-calling/")
    copy = page.locator(".code-block .copy-button").first
    copy.click()
    expect(copy).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.strip() and copied.strip() in page.locator(".code-block pre").first.inner_text()

    exam_services.attempt_start(user=learner, exam=Exam.objects.get(slug="certification-exam"), now=timezone.now())
    page.goto(f"{live_server.url}/exams/grok4-applied/certification-exam/")
    started = page.locator("time[data-local-time]").first
    expect(started).not_to_contain_text("UTC")
    expect(started).to_contain_text(re.compile(r"CET|CEST|GMT\+1|GMT\+2"))
    context.close()
