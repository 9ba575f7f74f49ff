"""In the browser: a lesson's "Try it" box runs the learner's prompt on the (simulated) model
through the worker and shows the answer and its tokens."""

import pytest
from celery.contrib.testing.worker import start_worker

from tests.assessments.demos.conftest import model_calls_queue  # noqa: F401  (a fixture)
from tests.conftest import browser_sign_in
from tests.courses.factories import CourseFactory, LessonFactory, ModuleFactory

PLAYGROUND_HTML = (
    '<div class="admonition playground"><p class="admonition-title">Try it: one sentence</p>'
    "<p>Say where Paris is in one sentence.</p></div>"
)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_learner_runs_the_lesson_playground(live_server, browser_context, learner, model_simulator, model_calls_queue):  # noqa: F811
    from django.conf import settings
    from playwright.sync_api import expect

    course = CourseFactory(slug="grok", title="Grok course")
    module = ModuleFactory(course=course, slug="basics", title="Basics", order=1)
    LessonFactory(module=module, slug="first", title="First steps", order=1, body_html=PLAYGROUND_HTML)
    model_simulator.script({"content": "Paris is the capital of France."})
    browser_sign_in(browser_context, user=learner, live_server=live_server)
    with start_worker(
        model_calls_queue,
        pool="threads",
        concurrency=1,
        queues=["model_calls"],
        perform_ping_check=False,
        shutdown_timeout=30,
    ):
        page = browser_context.new_page()
        page.goto(f"{live_server.url}/courses/grok/basics/first/")
        prompt = page.get_by_label("Your prompt")
        expect(prompt).to_have_value("Say where Paris is in one sentence.")
        expect(prompt).to_have_attribute("maxlength", str(settings.PLAYGROUND_PROMPT_MAX_CHARS))
        page.get_by_role("button", name="Run on the model").click()
        expect(page.locator(".playground-output")).to_have_text("Paris is the capital of France.", timeout=30_000)
        expect(page.locator(".playground-status")).to_contain_text("output tokens")
        expect(page.locator(".playground-status")).to_contain_text("9 runs left this hour")
