"""Which language a page is in: Accept-Language for a visitor, then the switcher's cookie, and
for a signed-in person the choice saved on the account, restored at every sign-in."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from tests.accounts.factories import UserFactory
from tests.courses.factories import CourseFactory, LessonFactory, ModuleFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def course():
    course = CourseFactory(slug="grok", title="Grok course")
    module = ModuleFactory(course=course, slug="basics", order=1)
    LessonFactory(module=module, slug="one", title="One", order=1, estimated_minutes=4)
    LessonFactory(module=module, slug="two", title="Two", order=2, estimated_minutes=5)
    return course


def page(client, url: str, language: str) -> str:
    response = client.get(url, headers={"accept-language": language})
    assert response.status_code == 200
    return response.content.decode()


# Each page, and what it says in Japanese and in Korean.
PAGES = [
    (
        "courses:home",
        [],
        {"ja": "Grok 4 を使いこなせることを証明しましょう", "ko": "Grok 4를 실무에 활용할 수 있음을 증명하세요"},
    ),
    ("courses:catalog", [], {"ja": "レッスンは約 9 分", "ko": "레슨 약 9분"}),
    ("courses:course", ["grok"], {"ja": "このコースの所要時間", "ko": "이 코스의 소요 시간"}),
    ("account_login", [], {"ja": "ログイン", "ko": "로그인"}),
]


@pytest.mark.parametrize("language", ["ja", "ko"])
@pytest.mark.parametrize(("name", "args", "expected"), PAGES)
def test_accept_language_picks_the_page_language(client, course, language, name, args, expected):
    html = page(client, reverse(name, args=args), f"{language},en;q=0.5")
    assert f'<html lang="{language}">' in html
    assert expected[language] in html


@pytest.mark.parametrize(
    ("language", "heading", "progress"),
    [("ja", "ダッシュボード", "2 レッスン中 0 レッスン完了"), ("ko", "내 대시보드", "레슨 2개 중 0개 완료")],
)
def test_dashboard_in_the_browser_language(learner_client, learner, course, language, heading, progress):
    learner_client.get(reverse("courses:lesson", args=["grok", "basics", "one"]))
    html = page(learner_client, reverse("dashboard"), language)
    assert f"<h1>{heading}</h1>" in html and progress in html
    # A course with no translation shows its English title, marked so.
    assert '<h3 id="course-' in html and '<a href="/courses/grok/" lang="en">Grok course</a>' in html


def test_english_stays_the_default(client, course):
    html = page(client, reverse("courses:home"), "fr-FR")
    assert '<html lang="en">' in html and "Prove you can put Grok 4 to work" in html


def test_the_cookie_outranks_accept_language(client, course):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    html = page(client, reverse("courses:catalog"), "ja")
    assert '<html lang="ko">' in html and "수강 가능한 코스" in html


def test_a_visitor_switching_language_gets_a_lasting_cookie_and_goes_back(client, course):
    response = client.post(reverse("set_language"), {"language": "ja", "next": "/courses/grok/"})
    assert response.status_code == 302 and response["Location"] == "/courses/grok/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "ja" and int(cookie["max-age"]) == settings.LANGUAGE_COOKIE_AGE
    assert "このコースの所要時間" in page(client, "/courses/grok/", "en")


def test_switching_language_never_leaves_the_site(client):
    response = client.post(reverse("set_language"), {"language": "ko", "next": "https://elsewhere.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_signed_in_switch_is_saved_on_the_account(learner_client, learner):
    response = learner_client.post(reverse("set_language"), {"language": "ko", "next": reverse("profile")})
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.preferred_language == "ko"
    html = learner_client.get(reverse("profile")).content.decode()
    assert "저장된 언어는 한국어입니다." in html
    assert '<option value="ko" lang="ko" selected>한국어</option>' in html


@pytest.mark.parametrize("posted", [{"language": "xx"}, {"language": ""}, {"language": "ja-JP"}, {}])
def test_a_language_not_offered_is_refused_with_400(learner_client, learner, posted):
    response = learner_client.post(reverse("set_language"), posted, headers={"accept-language": "ja"})
    assert response.status_code == 400
    assert "その言語には対応していません" in response.content.decode()
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    learner.refresh_from_db()
    assert learner.preferred_language == ""


def test_the_switcher_accepts_only_posts(client):
    assert client.get(reverse("set_language"), {"language": "ja"}).status_code == 405


def test_sign_in_restores_the_saved_language(client):
    person = UserFactory(preferred_language="ko")
    response = client.post(
        reverse("account_login"), {"login": person.email, "password": PASSWORD}, headers={"accept-language": "ja"}
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
    html = page(client, reverse("dashboard"), "ja")
    assert '<html lang="ko">' in html
    assert f"{person.certificate_name}(으)로 로그인했습니다." in html


def test_sign_in_without_a_saved_language_leaves_the_cookie_alone(client):
    person = UserFactory()
    response = client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    assert response.status_code == 302 and settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_sign_up_records_the_language_in_use(client):
    # An address of its own: allauth rate-limits confirmation mails per address, and another test
    # expects the mail for the address the accounts tests sign up with.
    response = client.post(
        reverse("account_signup"),
        {"email": "first.language@example.com", "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"},
        headers={"accept-language": "ja"},
    )
    assert response.status_code == 302
    assert User.objects.get(email="first.language@example.com").preferred_language == "ja"


def test_picking_the_language_costs_no_query(learner_client, learner, course):
    def queries(language: str) -> int:
        learner_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        with CaptureQueriesContext(connection) as captured:
            assert learner_client.get(reverse("dashboard")).status_code == 200
        return len(captured)

    learner.preferred_language = "ko"
    learner.save()
    assert queries("ja") == queries("en")


def test_error_pages_speak_the_browser_language(client, db):
    response = client.get("/no-such-page/", headers={"accept-language": "ko"})
    assert response.status_code == 404 and "요청한 페이지를 찾을 수 없습니다" in response.content.decode()
    refused = client.get("/courses/", {"q": "a\x00b"}, headers={"accept-language": "ja"})
    assert refused.status_code == 400 and "NUL 文字" in refused.content.decode()


def test_instructor_home_in_japanese(instructor_client, course):
    html = page(instructor_client, reverse("instructor:home"), "ja")
    assert "<h1>講師ホーム</h1>" in html and "受講登録" in html and "進捗ファネル" in html


@pytest.mark.parametrize(
    ("language", "copy", "characters"),
    [("ja", "コピー", "{count} / {limit} 文字"), ("ko", "복사", "{count} / {limit}자")],
)
def test_the_site_scripts_words_come_translated_on_the_body(client, course, language, copy, characters):
    html = page(client, reverse("courses:home"), language)
    assert f'data-text-copy="{copy}"' in html and f'data-text-characters="{characters}"' in html
    assert "data-text-server-error=" in html and "{status}" in html
