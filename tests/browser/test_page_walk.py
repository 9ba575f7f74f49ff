"""Every page, as each kind of user meets it, at a desktop and a phone width: nothing is wider
than the viewport, axe-core finds no violation, and a screenshot of each is kept under
var/screenshots/ (a CI artifact, not committed)."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from assessments.exams import services as exam_services
from assessments.models.exams import Exam
from sharing.models import CertificateProfile
from tests.assessments.records import demo_submission_graded
from tests.browser.test_accessibility import PUBLIC_PAGES
from tests.certificates.factories import CertificateFactory
from tests.conftest import browser_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"

PUBLIC = [*PUBLIC_PAGES, "/accounts/password/reset/", "/no-such-page/"]
LEARNER = [
    "/dashboard/",
    "/accounts/profile/",
    "/accounts/data/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/demos/",
    # Every demo: each brief has its own images, code and wide lines.
    "/demos/chart-analysis/",
    "/demos/function-calling-weather/",
    "/demos/injection-resistant-assistant/",
    "/demos/role-and-format/",
    "/demos/search-grounded-answer/",
    "/demos/structured-extraction/",
    "/exams/grok4-applied/",
    "/exams/grok4-applied/certification-exam/",
    "/practice/grok4-applied/fundamentals/",
    "/certificates/",
    "/demos/review/",  # a learner meets the designed 403 page
]
INSTRUCTOR = [
    "/instructor/",
    "/demos/review/",
    "/demos/review/tasks/",
    "/exams/grok4-applied/certification-exam/results/",
    "/exams/grok4-applied/certification-exam/items/",
    "/exams/grok4-applied/certification-exam/accommodations/",
    "/certificates/manage/",
]

# Finds elements that stick out of the viewport, ignoring those inside a box that scrolls or
# clips them (a table in its scroll wrapper) and the skip link parked off-screen until focused.
OVERFLOW_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const clipped = (element) => {
    for (let node = element.parentElement; node && node !== document.body; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.overflowX !== "visible" || style.overflow.includes("hidden")) return true;
    }
    return false;
  };
  const wide = [];
  for (const element of document.body.querySelectorAll("*")) {
    if (element.closest(".skip-link, .visually-hidden")) continue;
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if ((box.right > width + 1 || box.left < -1) && !clipped(element)) {
      wide.push(`${element.tagName.toLowerCase()}.${element.className} (${Math.round(box.left)}-${Math.round(box.right)})`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5)};
}
"""

# Buttons whose text has the colour of their own background (a variant lost to a more specific rule).
UNREADABLE_BUTTONS_JS = """
() => [...document.querySelectorAll(".button, button, input[type=submit]")]
  .filter((element) => element.offsetParent !== null)
  .filter((element) => {
    const style = getComputedStyle(element);
    return style.backgroundColor !== "rgba(0, 0, 0, 0)" && style.color === style.backgroundColor;
  })
  .map((element) => element.textContent.trim())
"""


def check_page(page, base_url: str, path: str, *, who: str, viewport: str) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    page.goto(base_url + path)
    problems = []
    layout = page.evaluate(OVERFLOW_JS)
    if layout["scrollWidth"] > layout["width"] or layout["wide"]:
        problems.append(f"{who} {viewport} {path}: wider than the viewport: {layout}")
    unreadable = page.evaluate(UNREADABLE_BUTTONS_JS)
    if unreadable:
        problems.append(f"{who} {viewport} {path}: buttons with unreadable text: {unreadable}")
    for item in Axe().run(page).response["violations"]:
        targets = [node["target"] for node in item["nodes"][:3]]
        problems.append(f"{who} {viewport} {path}: axe {item['impact']} {item['id']} at {targets}")
    name = f"{who}-{viewport}-{path.strip('/').replace('/', '_') or 'home'}.png"
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
    return problems


def walk(browser, base_url: str, paths: list[str], *, who: str, user=None, live_server=None) -> list[str]:
    problems = []
    for viewport, size in VIEWPORTS.items():
        # axe injects its script inline, which the platform's Content Security Policy forbids.
        context = browser.new_context(viewport=size, bypass_csp=True)
        context.set_default_timeout(15_000)
        if user is not None:
            browser_sign_in(context, user=user, live_server=live_server)
        page = context.new_page()
        problems += [
            problem for path in paths for problem in check_page(page, base_url, path, who=who, viewport=viewport)
        ]
        context.close()
    return problems


def test_every_page_fits_phones_and_passes_axe(browser_context, live_server, learner, instructor):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for stale in SCREENSHOTS.glob("*.png"):
        stale.unlink()
    call_command("sync_content", str(settings.CONTENT_DIR), stdout=io.StringIO(), stderr=io.StringIO())
    exam = Exam.objects.get(slug="certification-exam")
    attempt = exam_services.attempt_start(user=learner, exam=exam, now=timezone.now())
    submission = demo_submission_graded(
        user=learner, course=exam.course, slug="structured-extraction", title="Structured extraction"
    )
    certificate = CertificateFactory(learner=learner, course=exam.course, test_mode=False)
    TOTP.activate(instructor, generate_totp_secret())
    browser = browser_context.browser
    learner_pages = [
        *LEARNER,
        f"/attempts/{attempt.public_id}/",
        f"/demos/submissions/{submission.pk}/",
        f"/verify/{certificate.credential_id}/",
    ]
    instructor_pages = [
        *INSTRUCTOR,
        f"/attempts/{attempt.public_id}/log/",
        f"/certificates/manage/{certificate.credential_id}/",
    ]
    CertificateProfile.objects.create(credential_id=certificate.credential_id, learner=learner, is_public=True)
    visitor_pages = [*PUBLIC, f"/profile/{certificate.credential_id}/"]
    problems = walk(browser, live_server.url, visitor_pages, who="visitor")
    problems += walk(browser, live_server.url, learner_pages, who="learner", user=learner, live_server=live_server)
    problems += walk(
        browser, live_server.url, instructor_pages, who="instructor", user=instructor, live_server=live_server
    )
    assert problems == []
