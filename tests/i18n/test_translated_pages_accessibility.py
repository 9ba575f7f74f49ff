"""axe-core, in headless Chromium, finds no accessibility violation on the Japanese and Korean
versions of the core pages, with the real course synced; the browser asks for the language
the way a reader's browser does, with Accept-Language."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.browser.test_accessibility import violations
from tests.conftest import browser_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLIC_PAGES = [
    "/",
    "/courses/",
    "/courses/grok4-applied/",
    "/courses/grok4-applied/tool-use/function-calling/",
    "/accounts/login/",
    "/accounts/signup/",
    "/no-such-page/",
]
SIGNED_IN_PAGES = [
    "/dashboard/",
    "/accounts/profile/",
    "/accounts/data/",
    "/courses/grok4-applied/",
    "/courses/grok4-applied/tool-use/function-calling/",
]
# What the first of the public pages says in each language, to show the page was translated.
HOME_HEADING = {"ja": "Grok 4 を使いこなせることを証明しましょう", "ko": "Grok 4를 실무에 활용할 수 있음을 증명하세요"}


@pytest.mark.parametrize(("language", "locale"), [("ja", "ja-JP"), ("ko", "ko-KR")])
def test_translated_pages_have_no_accessibility_violations(browser_context, live_server, learner, language, locale):
    call_command("sync_content", str(settings.CONTENT_DIR), stdout=io.StringIO(), stderr=io.StringIO())
    # axe injects its script inline, which the platform's Content Security Policy forbids.
    page = browser_context.browser.new_context(bypass_csp=True, locale=locale).new_page()
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("h1").inner_text() == HOME_HEADING[language]
    problems = [problem for path in PUBLIC_PAGES for problem in violations(page, live_server.url + path)]
    browser_sign_in(page.context, user=learner, live_server=live_server)
    problems += [problem for path in SIGNED_IN_PAGES for problem in violations(page, live_server.url + path)]
    assert page.locator("html").get_attribute("lang") == language
    assert problems == []
