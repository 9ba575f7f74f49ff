"""The layout's navigation, footer and script words are rendered once per process and kept per
language and kind of visitor (`{% cache ... using="fragments" %}` in base.html): whoever comes
next must still get their own navigation, language and CSRF token."""

import re

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from tests.accounts.factories import InstructorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_fragment_cache():
    caches["fragments"].clear()
    yield
    caches["fragments"].clear()


def header(client: Client, language: str = "en") -> str:
    response = client.get(reverse("courses:catalog"), headers={"accept-language": language})
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index("<header") : html.index("</header>")]


def test_each_kind_of_visitor_gets_its_own_navigation_from_the_kept_fragments():
    anonymous, learner, instructor = Client(), Client(), Client()
    learner.force_login(UserFactory())
    teacher = InstructorFactory()
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(teacher, generate_totp_secret())
    instructor.force_login(teacher)
    for _ in range(2):  # the second round is served from the kept fragments
        assert "Sign in" in header(anonymous) and "Sign out" not in header(anonymous)
        assert "Sign out" in header(learner) and "Instructor" not in header(learner)
        assert "Sign out" in header(instructor) and "Instructor" in header(instructor)
    assert len(caches["fragments"]._cache) > 0  # type: ignore[attr-defined]


def test_the_kept_fragments_follow_the_language():
    visitor = Client()
    assert "Sign in" in header(visitor, "en")
    assert "ログイン" in header(visitor, "ja") and "Sign in" not in header(visitor, "ja")
    assert "로그인" in header(visitor, "ko")
    page = visitor.get(reverse("courses:catalog"), headers={"accept-language": "ja"}).content.decode()
    assert re.search(r'<option value="ja" lang="ja" selected>', page)
    assert 'data-text-copy="コピー"' in page


def test_each_response_carries_its_own_csrf_token_beside_the_kept_fragments():
    for _ in range(2):  # the second visitor's page is built from the fragments kept for the first
        visitor = Client(enforce_csrf_checks=True)
        visitor.force_login(UserFactory())
        html = visitor.get(reverse("courses:catalog")).content.decode()
        sign_out = html[html.index('action="' + reverse("account_logout")) :]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', sign_out).group(1)
        response = visitor.post(reverse("account_logout"), {"csrfmiddlewaretoken": token})
        assert response.status_code == 302
