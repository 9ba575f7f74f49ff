"""A learner submits a demo in a real browser and watches it get graded (test mode)."""

import pytest
from celery.contrib.testing.worker import start_worker

from assessments.models import Submission
from tests.accounts.factories import UserFactory
from tests.conftest import browser_sign_in

from .conftest import PROMPTS


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_learner_submits_a_demo_and_sees_it_graded_on_the_simulated_model(
    live_server, demo_tree, model_calls_queue, model_simulator, browser_context
):
    from playwright.sync_api import expect

    demo_tree.sync()
    learner = UserFactory()
    browser_sign_in(browser_context, user=learner, live_server=live_server)
    model_simulator.configure(latency=0.5)  # slow enough to watch the states change
    with start_worker(
        model_calls_queue,
        pool="threads",
        concurrency=2,
        queues=["model_calls"],
        perform_ping_check=False,
        shutdown_timeout=30,
    ):
        page = browser_context.new_page()
        script_errors: list[str] = []
        failed: list[str] = []
        # A failed load is also logged to the console; those are tracked by response below.
        page.on(
            "console",
            lambda message: (
                script_errors.append(message.text)
                if message.type == "error" and not message.text.startswith("Failed to load resource")
                else None
            ),
        )
        page.on(
            "response",
            lambda response: (
                failed.append(f"{response.status} {response.url}")
                if response.status >= 400 and not response.url.endswith("/favicon.ico")
                else None
            ),
        )
        page.goto(f"{live_server.url}/demos/haiku/")
        expect(page.get_by_role("heading", name="Write a haiku about rain")).to_be_visible()
        expect(page.get_by_text("Simulated model").first).to_be_visible()
        page.get_by_label("System prompt").fill(PROMPTS["haiku"]["system_prompt"])
        page.get_by_label("User prompt").fill(PROMPTS["haiku"]["user_prompt"])
        page.get_by_role("button", name="Run and grade").click()

        status = page.locator("#submission-status")
        expect(status).to_be_visible()
        expect(status.locator(".demo-score")).to_have_text("100%", timeout=30_000)
        expect(status.get_by_text("Passed", exact=True)).to_be_visible()
        expect(status.get_by_text("The answer is a haiku.")).to_be_visible()
        expect(page.get_by_text("Simulated model").first).to_be_visible()
    assert script_errors == [] and failed == []  # no CSP violation, script error or missing asset
    submission = Submission.objects.get(learner=learner)
    assert submission.state == "graded" and submission.test_mode is True
