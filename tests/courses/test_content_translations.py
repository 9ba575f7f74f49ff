"""Pages show the course in the reader's language where it is translated, and say so where it is not.

The shipped course is synced as it is: module 1 is translated into Japanese and Korean, the rest is
English only (content/README.md, "Translations")."""

import io
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from assessments.models.exams import PracticeQuestion, QuestionTranslation
from courses.models import LessonTranslation

pytestmark = pytest.mark.django_db

FAMILY = "/courses/grok4-applied/fundamentals/grok4-family/"
UNTRANSLATED = "/courses/grok4-applied/precision-prompting/structured-outputs/"


@pytest.fixture
def synced(db):
    call_command("sync_content", str(settings.CONTENT_DIR), stdout=io.StringIO(), stderr=io.StringIO())


def page(client, url: str, language: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_japanese_reader_gets_the_translated_lesson_and_module_title(client, synced):
    html = page(client, FAMILY, "ja")
    assert '<h1 id="lesson-title">Grok 4 ファミリーとそのモード</h1>' in html
    assert "<li>基礎と安全なセットアップ</li>" in html
    assert "xAI は 2025 年 7 月に Grok 4 をリリースしました。" in html
    # Headings keep their English ids, so links and question references land in any language.
    assert '<h2 id="reasoning-effort">推論の深さ</h2>' in html
    assert 'class="translation-note"' not in html and '"prose" lang="en"' not in html


def test_korean_reader_gets_the_translated_course_page_and_catalog(client, synced):
    course = page(client, "/courses/grok4-applied/", "ko")
    assert "<h1>xAI Grok 4 활용: 프롬프트, 도구 사용, 검색, 비전</h1>" in course
    assert "<h3>기초와 안전한 설정</h3>" in course
    assert ">지식 컷오프, 컨텍스트, 모델 수명 주기</a>" in course
    # The untranslated modules stay English, marked as such for screen readers.
    assert re.search(r'<h3 lang="en">Precision prompting</h3>', course)
    catalog = page(client, reverse("courses:catalog"), "ko")
    assert ">xAI Grok 4 활용: 프롬프트, 도구 사용, 검색, 비전</a>" in catalog


def test_untranslated_lesson_falls_back_to_english_with_a_note(client, synced):
    html = page(client, UNTRANSLATED, "ja")
    assert (
        '<p class="translation-note" role="note">このレッスンはまだ日本語で提供されていません。英語で表示しています。</p>'
        in html
    )
    assert '<h1 id="lesson-title" lang="en">Structured outputs with JSON Schema</h1>' in html
    assert '<div class="prose" lang="en"' in html


def test_english_reader_sees_english_without_notes(client, synced):
    html = page(client, FAMILY, "en")
    assert '<h1 id="lesson-title">The Grok 4 family and its modes</h1>' in html
    assert 'class="translation-note"' not in html and "ファミリー" not in html


def test_stale_translation_is_not_served(client, synced):
    """After the English changes, its translation waits for an update; the reader gets the English and why."""
    LessonTranslation.objects.filter(lesson__slug="grok4-family", language="ko").update(is_current=False)
    html = page(client, FAMILY, "ko")
    assert "이 레슨의 영어 원문이 한국어로 번역된 뒤에 바뀌었습니다." in html
    assert '<h1 id="lesson-title" lang="en">The Grok 4 family and its modes</h1>' in html


def correct_form(version) -> dict:
    """The form fields that answer a question of any kind with its key."""
    if version.kind in ("single", "multiple"):
        return {"answer": [o["id"] for o in version.options if o["correct"]]}
    if version.kind == "ordering":
        return {f"rank-{o['id']}": str(n) for n, o in enumerate(version.options, start=1)}
    if version.kind == "true_false":
        return {"answer": "true" if version.key["answer"] else "false"}
    if version.kind == "numeric":
        return {"answer": version.key["answer"]}
    return {"answer": version.key["accepted"][0]}


def _start_practice(client, module_slug: str, language: str) -> tuple[str, PracticeQuestion]:
    response = client.post(
        reverse("exams:practice", args=["grok4-applied", module_slug]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 302
    first = PracticeQuestion.objects.select_related("version").get(
        attempt__public_id=response.url.rstrip("/").split("/")[-1], position=1
    )
    return response.url, first


@pytest.mark.parametrize(
    ("language", "module_title"), [("ja", "基礎と安全なセットアップ"), ("ko", "기초와 안전한 설정")]
)
def test_practice_question_is_shown_translated_and_graded_by_option_id(learner_client, synced, language, module_title):
    assert module_title in page(
        learner_client, reverse("exams:practice", args=["grok4-applied", "fundamentals"]), language
    )
    url, first = _start_practice(learner_client, "fundamentals", language)
    translation = QuestionTranslation.objects.get(version=first.version, language=language)
    html = page(learner_client, url, language)
    assert module_title in html
    assert translation.stem_html in html and first.version.stem_html not in html
    for option_id, option_html in translation.option_html.items():
        assert option_html in html, option_id
    assert 'class="translation-note"' not in html
    # Grading reads option ids and the English key only: the right answer scores in any language.
    learner_client.post(url, {"position": 1, **correct_form(first.version)}, HTTP_ACCEPT_LANGUAGE=language)
    first.refresh_from_db()
    assert first.answer.points_awarded == first.version.points


def test_practice_question_without_translation_says_so(learner_client, synced):
    url, first = _start_practice(learner_client, "precision-prompting", "ja")
    html = page(learner_client, url, "ja")
    assert "この問題はまだ日本語で提供されていません。英語で表示しています。" in html
    assert f'lang="en">{first.version.stem_html}</div>' in html


def test_a_lesson_shown_in_translation_cannot_be_saved_over_its_english(synced):
    from courses import selectors

    lesson = selectors.lesson_get_published(
        course_slug="grok4-applied", module_slug="fundamentals", lesson_slug="grok4-family", language="ja"
    )
    assert lesson.title == "Grok 4 ファミリーとそのモード"
    with pytest.raises(ValueError, match="shows a translation"):
        lesson.save()
    english = selectors.lesson_get_published(
        course_slug="grok4-applied", module_slug="fundamentals", lesson_slug="grok4-family"
    )
    assert english.title == "The Grok 4 family and its modes"


def test_dashboard_names_the_enrolled_course_in_the_readers_language(learner_client, synced):
    page(learner_client, FAMILY, "ja")  # opening a lesson enrols the learner
    html = page(learner_client, reverse("dashboard"), "ja")
    assert ">xAI Grok 4 の活用：プロンプト、ツール利用、検索、ビジョン</a></h3>" in html
