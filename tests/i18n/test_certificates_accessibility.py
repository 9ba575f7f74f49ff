"""axe-core finds no accessibility violation on the certificate pages in Japanese and Korean:
the public verification pages a visitor reaches in their own language, and the holder's list."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.utils import timezone

from certificates import services
from certificates.models import Certificate
from tests.accounts.factories import UserFactory
from tests.browser.test_accessibility import violations
from tests.certificates.conftest import signing_issuer  # noqa: F401  (a fixture used below)
from tests.certificates.factories import CertificateFactory
from tests.conftest import browser_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=["ja", "ko"])
def signed_certificate(request, signing_issuer) -> Certificate:  # noqa: F811
    """A holder's signed certificate in the language under test. Signing runs an event loop of
    its own, which the one Playwright keeps in the test's thread would refuse: it runs in another."""
    holder = UserFactory(preferred_language=request.param)
    certificate = CertificateFactory(learner=holder, language=request.param)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(services.certificate_render_and_sign, certificate_id=certificate.pk).result()
    certificate.refresh_from_db()
    return certificate


def test_translated_certificate_pages_have_no_accessibility_violations(
    signed_certificate, browser_context, live_server
):
    signed = signed_certificate
    language = signed.language
    revoked = CertificateFactory(
        status=Certificate.Status.REVOKED, revoked_at=timezone.now(), revocation_reason="identity_mismatch"
    )
    # axe injects its script inline, which the platform's Content Security Policy forbids.
    context = browser_context.browser.new_context(bypass_csp=True, extra_http_headers={"Accept-Language": language})
    page = context.new_page()
    public = [
        "/verify/",
        "/verify/upload/",
        "/verify/bulk/",
        f"/verify/{signed.display_id}/",
        f"/verify/{revoked.display_id}/",
    ]
    problems = [problem for path in public for problem in violations(page, live_server.url + path)]
    assert page.locator("html").get_attribute("lang") == language
    browser_sign_in(context, user=signed.learner, live_server=live_server)
    problems += violations(page, live_server.url + "/certificates/")
    assert page.locator("h1").inner_text() == {"ja": "あなたの修了証", "ko": "내 인증서"}[language]
    assert problems == []
    context.close()
