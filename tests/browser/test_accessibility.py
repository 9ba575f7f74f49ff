"""axe-core, run in headless Chromium, finds no accessibility violation on the pages each
kind of user meets first, with the real course synced."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from assessments.exams import services as exam_services
from assessments.models.exams import Exam
from tests.certificates.factories import CertificateFactory
from tests.conftest import browser_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLIC_PAGES = [
    "/",
    "/courses/",
    "/courses/grok4-applied/",
    "/courses/grok4-applied/tool-use/function-calling/",
    "/verify/",
    "/verify/upload/",
    "/verify/bulk/",
    "/accounts/login/",
    "/accounts/signup/",
]
LEARNER_PAGES = [
    "/dashboard/",
    "/accounts/profile/",
    "/accounts/data/",
    "/demos/",
    "/demos/structured-extraction/",
    "/demos/chart-analysis/",
    "/exams/grok4-applied/",
    "/exams/grok4-applied/certification-exam/",
    "/practice/grok4-applied/fundamentals/",
    "/certificates/",
]


def violations(page, url: str) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    page.goto(url)
    found = Axe().run(page).response["violations"]
    return [
        f"{url}: {item['impact']} {item['id']} at {[node['target'] for node in item['nodes'][:3]]}" for item in found
    ]


def test_pages_have_no_accessibility_violations(browser_context, live_server, learner):
    call_command("sync_content", str(settings.CONTENT_DIR), stdout=io.StringIO(), stderr=io.StringIO())
    exam = Exam.objects.get(slug="certification-exam")
    attempt = exam_services.attempt_start(user=learner, exam=exam, now=timezone.now())
    certificate = CertificateFactory(learner=learner)
    # axe injects its script inline, which the platform's Content Security Policy forbids.
    page = browser_context.browser.new_context(bypass_csp=True).new_page()
    problems = [problem for path in PUBLIC_PAGES for problem in violations(page, live_server.url + path)]
    browser_sign_in(page.context, user=learner, live_server=live_server)
    pages = [*LEARNER_PAGES, f"/attempts/{attempt.public_id}/", f"/verify/{certificate.credential_id}/"]
    problems += [problem for path in pages for problem in violations(page, live_server.url + path)]
    # Closing the account asks for the password again first: both pages are checked.
    problems += violations(page, live_server.url + "/accounts/close/")
    page.fill("input[name=password]", "correct-horse-battery")
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url("**/accounts/close/")
    problems += violations(page, live_server.url + "/accounts/close/")
    assert page.locator("h1").inner_text() == "Close your account"
    assert problems == []
