"""The exam, practice, weak-spots, demo and review pages in Japanese and Korean, chosen by the
browser's Accept-Language, with the real course synced; the scripts' words come translated too."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from assessments.demos import services as demo_services
from assessments.exams import services as exam_services
from assessments.models import DemoTask
from assessments.models.exams import Exam
from tests.conftest import browser_sign_in

# What each language shows on each page: (Japanese, Korean).
EXAM_START = ("ルール", "규칙")
EXAM_START_BUTTON = ("回目の受験を開始", "번째 응시 시작")
QUESTION_SAVE = ("保存して次へ", "저장하고 다음으로")
QUESTION_TIMER = ("残り時間:", "남은 시간:")
QUESTION_NAVIGATOR = ("、未解答", ", 답하지 않음")
TIMER_SCRIPT = (
    "時間切れです。保存された解答を提出しています。",
    "시간이 종료되었습니다. 저장된 답안을 제출하고 있습니다.",
)
AUTOSAVE_SCRIPT = ("保存されませんでした: {reason}", "저장되지 않았습니다: {reason}")
RESULT_HEADING = ("修了証への影響", "인증서에 미치는 영향")
PRACTICE = ("練習クイズを始める", "연습 퀴즈 시작하기")
WEAK_SPOTS = ("苦手な部分のクイズを始める", "취약한 부분 퀴즈 시작하기")
DEMO_LIST = ("ハンズオンデモ", "실습 데모")
DEMO_TASK = ("実行して採点する", "실행하고 채점하기")
DEMO_SUBMISSION = ("ワーカーが空き次第、実行が始まります。", "작업자가 비는 대로 실행이 시작됩니다.")
REVIEW_QUEUE = ("デモのレビューキュー", "데모 검토 대기열")

LANGUAGES = [("ja", 0), ("ko", 1)]


@pytest.fixture
def course(db):
    call_command("sync_content", str(settings.CONTENT_DIR), stdout=io.StringIO(), stderr=io.StringIO())
    return Exam.objects.select_related("course").get(slug="certification-exam")


def page(client, url: str, language: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize(("language", "column"), LANGUAGES)
def test_exam_pages_follow_the_browser_language(course, learner, learner_client, language, column):
    exam = course
    start_page = page(learner_client, f"/exams/{exam.course.slug}/{exam.slug}/", language)
    assert EXAM_START[column] in start_page
    assert EXAM_START_BUTTON[column] in start_page
    assert f'<html lang="{language}">' in start_page

    attempt = exam_services.attempt_start(user=learner, exam=exam, now=timezone.now())
    question = page(learner_client, f"/attempts/{attempt.public_id}/", language)
    for words in (QUESTION_SAVE, QUESTION_TIMER, QUESTION_NAVIGATOR, TIMER_SCRIPT, AUTOSAVE_SCRIPT):
        assert words[column] in question
    assert "Save and next" not in question

    exam_services.attempt_submit(attempt_id=attempt.pk, now=timezone.now())
    assert RESULT_HEADING[column] in page(learner_client, f"/attempts/{attempt.public_id}/result/", language)


@pytest.mark.parametrize(("language", "column"), LANGUAGES)
def test_practice_and_weak_spots_follow_the_browser_language(course, learner_client, language, column):
    slug = course.course.slug
    assert PRACTICE[column] in page(learner_client, f"/practice/{slug}/fundamentals/", language)
    assert WEAK_SPOTS[column] in page(learner_client, f"/practice/{slug}/weak-spots/", language)


@pytest.mark.parametrize(("language", "column"), LANGUAGES)
def test_demo_pages_follow_the_browser_language(course, learner, learner_client, language, column):
    assert DEMO_LIST[column] in page(learner_client, "/demos/", language)
    task = DemoTask.objects.get(slug="structured-extraction")
    assert DEMO_TASK[column] in page(learner_client, f"/demos/{task.slug}/", language)
    fields = {
        "system_prompt": "Extract the fields.",
        "user_prompt": "Read this and answer in JSON.",
        "json_schema": '{"type": "object"}',
    }
    submission = demo_services.submission_create(
        learner=learner, task=task, **{name: fields[name] for name in task.learner_writes if name in fields}
    )
    assert DEMO_SUBMISSION[column] in page(learner_client, reverse("demos:submission", args=[submission.pk]), language)


@pytest.mark.parametrize(("language", "column"), LANGUAGES)
def test_review_queue_follows_the_browser_language(course, instructor_client, language, column):
    assert REVIEW_QUEUE[column] in page(instructor_client, "/demos/review/", language)


def test_english_stays_the_default(course, learner_client):
    assert "Hands-on demos" in page(learner_client, "/demos/", "en")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["ja", "ko"])
def test_translated_question_and_demo_pages_have_no_accessibility_violations(
    browser_context, live_server, learner, language
):
    from axe_playwright_python.sync_playwright import Axe

    call_command("sync_content", str(settings.CONTENT_DIR), stdout=io.StringIO(), stderr=io.StringIO())
    exam = Exam.objects.get(slug="certification-exam")
    attempt = exam_services.attempt_start(user=learner, exam=exam, now=timezone.now())
    # axe injects its script inline, which the platform's Content Security Policy forbids.
    context = browser_context.browser.new_context(bypass_csp=True, extra_http_headers={"Accept-Language": language})
    browser_sign_in(context, user=learner, live_server=live_server)
    tab = context.new_page()
    problems = []
    for path in (f"/attempts/{attempt.public_id}/", "/demos/structured-extraction/"):
        tab.goto(live_server.url + path)
        assert tab.locator("html").get_attribute("lang") == language
        problems += [f"{path}: {item['impact']} {item['id']}" for item in Axe().run(tab).response["violations"]]
    assert problems == []
