import csv
import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.exams import services
from assessments.models.exams import Attempt, AttemptEvent, AttemptState, EventKind, Exam, PracticeAttempt
from tests.accounts.factories import UserFactory

from .conftest import START

pytestmark = pytest.mark.django_db


def start(client, exam) -> Attempt:
    response = client.post(reverse("exams:start", args=[exam.course.slug, exam.slug]))
    assert response.status_code == 302
    return Attempt.objects.get(public_id=response.url.split("/")[2])


def correct(slot):
    return next(o["id"] for o in slot.version.options if o["correct"])


def test_exam_page_shows_rules_and_start(learner_client, exam):
    response = learner_client.get(reverse("exams:exam", args=[exam.course.slug, exam.slug]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "3 questions" in body and "30 minutes" in body and "Pass mark: 60%" in body
    assert "Start attempt 1" in body and "Passing this exam is one of the certificate requirements" in body


def test_start_redirects_to_attempt_and_starting_again_resumes(learner_client, exam):
    attempt = start(learner_client, exam)
    assert start(learner_client, exam).pk == attempt.pk
    page = learner_client.get(reverse("exams:attempt", args=[attempt.public_id]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="exam-timer"' in body and 'data-remaining="' in body
    assert "Question 1 of 3" in body and "Announce time remaining" in body


def test_another_learners_attempt_is_not_found(client, exam, learner):
    attempt = services.attempt_start(user=learner, exam=exam, now=timezone.now())
    client.force_login(UserFactory())
    for name in ("attempt", "status", "result", "submit"):
        assert client.get(reverse(f"exams:{name}", args=[attempt.public_id])).status_code == 404
    assert (
        client.post(reverse("exams:answer", args=[attempt.public_id]), {"position": 1, "answer": "a"}).status_code
        == 404
    )


def test_htmx_autosave_returns_status_and_navigator_fragment(learner_client, exam):
    attempt = start(learner_client, exam)
    slot = attempt.questions.select_related("version").get(position=2)
    response = learner_client.post(
        reverse("exams:answer", args=[attempt.public_id]),
        {"position": 2, "answer": correct(slot)},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Answer 2 saved at" in body
    assert 'id="nav-2" hx-swap-oob="true"' in body and "is-answered" in body
    assert "HX-Request" in response["Vary"]
    slot.refresh_from_db()
    assert slot.response == correct(slot)


def test_form_fallback_saves_and_moves_to_next_question(learner_client, exam):
    attempt = start(learner_client, exam)
    slot = attempt.questions.select_related("version").get(position=1)
    response = learner_client.post(
        reverse("exams:answer", args=[attempt.public_id]), {"position": 1, "answer": correct(slot), "go": "next"}
    )
    assert response.status_code == 302 and response.url.endswith("?q=2")
    page = learner_client.get(reverse("exams:attempt", args=[attempt.public_id]) + "?q=1")
    assert f'value="{correct(slot)}"\n               id="q1-{correct(slot)}" checked' in page.content.decode()


def test_invalid_answer_is_explained(learner_client, exam):
    attempt = start(learner_client, exam)
    response = learner_client.post(
        reverse("exams:answer", args=[attempt.public_id]), {"position": 1, "answer": "zzz"}, HTTP_HX_REQUEST="true"
    )
    assert "Choose one of the listed options" in response.content.decode()


def test_answer_after_deadline_is_refused_with_a_message(learner_client, exam):
    attempt = start(learner_client, exam)
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=5),
        closes_at=timezone.now() - datetime.timedelta(minutes=4),
    )
    response = learner_client.post(
        reverse("exams:answer", args=[attempt.public_id]), {"position": 1, "answer": "a"}, HTTP_HX_REQUEST="true"
    )
    assert "Time is up" in response.content.decode() and "See your result" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.TIMED_OUT
    # The deadline closed the attempt; a later answer says so instead of "already submitted".
    follow = learner_client.post(
        reverse("exams:answer", args=[attempt.public_id]), {"position": 1, "answer": "a"}, follow=True
    )
    page = follow.content.decode()
    assert "already been submitted" not in page
    assert f"submitted automatically at {attempt.closes_at:%H:%M} UTC" in page
    refusals = attempt.events.filter(kind=EventKind.REFUSED).order_by("id")
    assert [(event.data["refused"], event.data["state"]) for event in refusals] == [
        ("answer to question 1", AttemptState.TIMED_OUT),
        ("answer to question 1", AttemptState.TIMED_OUT),
    ]


def test_status_json(learner_client, exam):
    attempt = start(learner_client, exam)
    slot = attempt.questions.select_related("version").get(position=1)
    services.attempt_answer_save(attempt_id=attempt.id, position=1, raw=correct(slot), now=timezone.now())
    data = learner_client.get(reverse("exams:status", args=[attempt.public_id])).json()
    assert data["state"] == "open" and data["answered"] == 1 and data["total"] == 3
    assert 29 * 60 < data["remaining_seconds"] <= 30 * 60
    Attempt.objects.filter(pk=attempt.pk).update(closes_at=timezone.now() - datetime.timedelta(seconds=1))
    data = learner_client.get(reverse("exams:status", args=[attempt.public_id])).json()
    assert data["state"] == "timed_out" and data["remaining_seconds"] == 0


def test_flag_and_submit_confirmation_lists_unanswered_and_flagged(learner_client, exam):
    attempt = start(learner_client, exam)
    slot = attempt.questions.select_related("version").get(position=1)
    learner_client.post(reverse("exams:answer", args=[attempt.public_id]), {"position": 1, "answer": correct(slot)})
    flag = learner_client.post(
        reverse("exams:flag", args=[attempt.public_id]), {"position": 3, "flagged": "1"}, HTTP_HX_REQUEST="true"
    )
    assert 'aria-pressed="true"' in flag.content.decode()
    page = learner_client.get(reverse("exams:submit", args=[attempt.public_id])).content.decode()
    unanswered = page[page.index("Unanswered (2)") : page.index("Flagged for review")]
    assert "Question 2" in unanswered and "Question 3" in unanswered and "Question 1<" not in unanswered
    flagged = page[page.index("Flagged for review (1)") :]
    assert "?q=3" in flagged
    result = learner_client.post(reverse("exams:submit", args=[attempt.public_id]))
    assert result.url == reverse("exams:result", args=[attempt.public_id])
    again = learner_client.post(reverse("exams:submit", args=[attempt.public_id]), follow=True)
    assert "already been submitted" in again.content.decode()
    assert AttemptEvent.objects.filter(attempt=attempt, kind=EventKind.FINALIZED).count() == 1


@pytest.mark.parametrize(
    ("policy", "shows_answers", "shows_key"),
    [
        ("score_only", False, False),
        ("own_answers", True, False),
        ("correct_answers", True, True),
    ],
)
def test_result_page_follows_review_policy(learner_client, exam, policy, shows_answers, shows_key):
    Exam.objects.filter(pk=exam.pk).update(review=policy)
    attempt = start(learner_client, exam)
    slot = attempt.questions.select_related("version").get(position=1)
    learner_client.post(reverse("exams:answer", args=[attempt.public_id]), {"position": 1, "answer": correct(slot)})
    learner_client.post(reverse("exams:submit", args=[attempt.public_id]))
    body = learner_client.get(reverse("exams:result", args=[attempt.public_id])).content.decode()
    assert "33.33%" in body and "Not passed" in body
    assert "Your best attempt counts" in body
    # The cool-down's end closes its sentence with no space before the full stop.
    assert re.search(r"The next can start after\s+<time [^>]+>[^<]+ UTC</time>\.", body)
    assert ("Your answer" in body) is shows_answers
    assert ("Correct answer" in body) is shows_key
    assert (slot.version.explanation_html in body) is shows_key
    assert ("shows the score only" in body) is (policy == "score_only")


def test_open_attempt_result_redirects_back_to_questions(learner_client, exam):
    attempt = start(learner_client, exam)
    response = learner_client.get(reverse("exams:result", args=[attempt.public_id]))
    assert response.url == reverse("exams:attempt", args=[attempt.public_id])


def test_exam_pages_need_sign_in(client, exam):
    assert client.post(reverse("exams:start", args=[exam.course.slug, exam.slug])).status_code == 302
    assert (
        "Sign in to take the exam"
        in client.get(reverse("exams:exam", args=[exam.course.slug, exam.slug])).content.decode()
    )


# --- practice ----------------------------------------------------------------------------------
def test_practice_quiz_gives_feedback_and_never_counts(learner_client, learner, exam):
    response = learner_client.post(reverse("exams:practice", args=["demo-course", "basics"]))
    practice = PracticeAttempt.objects.get(user=learner)
    assert response.url == reverse("exams:practice_attempt", args=[practice.public_id])
    assert practice.questions.count() == 3  # practice_questions: 3 in module.yaml
    first = practice.questions.select_related("version").get(position=1)
    learner_client.post(response.url, {"position": 1, "answer": correct(first)})
    body = learner_client.get(response.url + "?q=1").content.decode()
    assert "Correct." in body and first.version.explanation_html in body
    # The first checked answer stands.
    wrong = next(o["id"] for o in first.version.options if not o["correct"])
    learner_client.post(response.url, {"position": 1, "answer": wrong})
    assert first.__class__.objects.get(pk=first.pk).answer.response == correct(first)
    assert not Attempt.objects.filter(user=learner).exists()
    from assessments import api

    assert api.exam_best_outcome(user_id=learner.id, course_id=exam.course_id, exam_slug=exam.slug) is None
    # Unlimited: a second quiz starts at once.
    learner_client.post(reverse("exams:practice", args=["demo-course", "basics"]))
    assert PracticeAttempt.objects.filter(user=learner).count() == 2


def test_course_assessments_page_lists_exam_and_practice(client, exam):
    body = client.get(reverse("exams:course", args=["demo-course"])).content.decode()
    assert reverse("exams:exam", args=["demo-course", "final-exam"]) in body
    assert reverse("exams:practice", args=["demo-course", "tools"]) in body


# --- instructor ----------------------------------------------------------------------------------
def instructor_urls(exam, attempt):
    return [
        reverse("exams:results", args=[exam.course.slug, exam.slug]),
        reverse("exams:items", args=[exam.course.slug, exam.slug]),
        reverse("exams:accommodations", args=[exam.course.slug, exam.slug]),
        reverse("exams:attempt_log", args=[attempt.public_id]),
    ]


def test_instructor_pages_refuse_learners(learner_client, learner, exam):
    attempt = services.attempt_start(user=learner, exam=exam, now=timezone.now())
    for url in instructor_urls(exam, attempt):
        assert learner_client.get(url).status_code == 403, url


def test_instructor_pages_render(instructor_client, learner, exam):
    attempt = services.attempt_start(user=learner, exam=exam, now=timezone.now())
    for url in instructor_urls(exam, attempt):
        assert instructor_client.get(url).status_code == 200, url


@pytest.mark.parametrize("name", ["", "Grace Hopper"])
def test_results_and_log_show_a_learners_email_once_with_or_without_a_name(instructor_client, exam, name):
    learner = UserFactory(certificate_name=name)
    attempt = services.attempt_start(user=learner, exam=exam, now=timezone.now())
    results = instructor_client.get(reverse("exams:results", args=[exam.course.slug, exam.slug])).content.decode()
    log = instructor_client.get(reverse("exams:attempt_log", args=[attempt.public_id])).content.decode()
    learner_cell = results.split("<tbody>", 1)[1].split("</td>", 1)[0]
    learner_entry = log.split("Learner</dt><dd>", 1)[1].split("</dd>", 1)[0]
    for shown in (learner_cell, learner_entry):
        assert shown.count(learner.email) == 1, shown
        assert not name or name in shown


def test_results_csv_export(instructor_client, exam):
    mallory = UserFactory(certificate_name='=HYPERLINK("http://x")')
    attempt = services.attempt_start(user=mallory, exam=exam, now=START)
    services.attempt_submit(attempt_id=attempt.id, now=START + datetime.timedelta(minutes=3))
    response = instructor_client.get(reverse("exams:results", args=[exam.course.slug, exam.slug]) + "?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    row = rows[0]
    assert row["learner_email"] == mallory.email and row["state"] == "submitted"
    assert row["score_percent"] == "0.00" and row["passed"] == "no"
    assert row["learner_name"].startswith("'=")  # no formula injection into spreadsheets
    assert "prompting_percent" in row and "tools_percent" in row


def test_results_table_paginates(instructor_client, exam):
    for _ in range(51):
        services.attempt_start(user=UserFactory(), exam=exam, now=START)
    url = reverse("exams:results", args=[exam.course.slug, exam.slug])
    assert "Page 1 of 2" in instructor_client.get(url).content.decode()
    assert instructor_client.get(url + "?page=2").content.decode().count("View log") == 1


def test_accommodation_form_and_reset_with_reason(instructor_client, instructor, learner, exam):
    url = reverse("exams:accommodations", args=[exam.course.slug, exam.slug])
    response = instructor_client.post(
        url, {"email": learner.email, "extra_minutes": 20, "extra_attempts": 1, "note": "ADHD"}
    )
    assert response.status_code == 302
    attempt = services.attempt_start(user=learner, exam=exam, now=START)
    assert attempt.deadline == START + datetime.timedelta(minutes=50)
    log_url = reverse("exams:attempt_log", args=[attempt.public_id])
    assert "This field is required" in instructor_client.post(log_url, {"reason": ""}).content.decode()
    instructor_client.post(log_url, {"reason": "Fire alarm", "confirm": "on"})
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.VOIDED
    body = instructor_client.get(log_url).content.decode()
    assert "Started" in body and "Reset" in body and "Fire alarm" in body and instructor.display_name in body


def correct_form(version) -> dict:
    """The no-JavaScript form fields that answer a question correctly, for every kind."""
    if version.kind in ("single", "multiple"):
        return {"answer": [o["id"] for o in version.options if o["correct"]]}
    if version.kind == "ordering":
        return {f"rank-{o['id']}": str(n) for n, o in enumerate(version.options, start=1)}
    if version.kind == "true_false":
        return {"answer": "true" if version.key["answer"] else "false"}
    if version.kind == "numeric":
        return {"answer": "10,000,000,000"}
    return {"answer": "  TOOL   Choice "}


def kinds_exam(tmp_path, *, prompting: int, tools: int) -> Exam:
    """The demo course with one question of every kind added, and a 'kinds' exam drawing the given counts."""
    from .conftest import BANK_KINDS, build_course, sync, write

    root = build_course(tmp_path / "content")
    bank_path = root / "demo-course" / "questions" / "bank.yaml"
    bank_path.write_text(bank_path.read_text().replace("questions:\n", "questions:\n" + BANK_KINDS, 1))
    write(
        root / "demo-course" / "exams" / "kinds.yaml",
        f"""
        slug: kinds
        title: Every kind
        question_count: {prompting + tools}
        time_limit_minutes: 30
        blueprint: {{prompting: {prompting}, tools: {tools}}}
        pass_mark_percent: 80
        review: correct_answers
    """,
    )
    sync(root)
    return Exam.objects.select_related("course").get(slug="kinds")


def test_every_kind_renders_saves_through_the_form_and_scores(learner_client, tmp_path):
    exam = kinds_exam(tmp_path, prompting=6, tools=5)
    attempt = start(learner_client, exam)
    url = reverse("exams:attempt", args=[attempt.public_id])
    for slot in attempt.questions.select_related("version").order_by("position"):
        page = learner_client.get(f"{url}?q={slot.position}").content.decode()
        assert slot.version.stem_html in page
        if slot.version.kind == "ordering":
            assert page.count('<select name="rank-') == 3
        response = learner_client.post(
            reverse("exams:answer", args=[attempt.public_id]),
            {"position": slot.position, "go": "next", **correct_form(slot.version)},
        )
        assert response.status_code == 302, slot.version.kind
    learner_client.post(reverse("exams:submit", args=[attempt.public_id]))
    attempt.refresh_from_db()
    assert attempt.score_percent == 100 and attempt.max_points == 12  # the numeric question is worth 2
    body = learner_client.get(reverse("exams:result", args=[attempt.public_id])).content.decode()
    assert body.count('badge-ok">Correct') == 11


def test_ordering_form_refuses_a_repeated_position(learner_client, tmp_path):
    attempt = start(learner_client, kinds_exam(tmp_path, prompting=6, tools=0))
    slot = attempt.questions.select_related("version").get(version__kind="ordering")
    response = learner_client.post(
        reverse("exams:answer", args=[attempt.public_id]),
        {"position": slot.position, "rank-one": "1", "rank-two": "1", "rank-three": "2"},
        HTTP_HX_REQUEST="true",
    )
    assert "Give every item a different position" in response.content.decode()
    slot.refresh_from_db()
    assert slot.response is None


# --- query counts: pages cost the same whatever the number of questions or attempts ----------------
def queries_for(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_attempt_and_result_pages_make_no_query_per_question(learner_client, tmp_path):
    exam = kinds_exam(tmp_path, prompting=6, tools=5)  # 11 questions, review: correct_answers
    small = Exam.objects.select_related("course").get(slug="final-exam")  # 3 questions, same review policy
    counts = {}
    for which in (small, exam):
        attempt = start(learner_client, which)
        for slot in attempt.questions.select_related("version"):
            learner_client.post(
                reverse("exams:answer", args=[attempt.public_id]),
                {"position": slot.position, **correct_form(slot.version)},
            )
        learner_client.post(reverse("exams:flag", args=[attempt.public_id]), {"position": 1, "flagged": "1"})
        counts[which.slug] = [
            queries_for(learner_client, reverse(f"exams:{name}", args=[attempt.public_id]))
            for name in ("attempt", "submit", "status")
        ]
        learner_client.post(reverse("exams:submit", args=[attempt.public_id]))
        counts[which.slug].append(queries_for(learner_client, reverse("exams:result", args=[attempt.public_id])))
    assert counts["kinds"] == counts["final-exam"]


def test_status_poll_before_the_deadline_takes_no_lock(learner_client, exam, monkeypatch):
    attempt = start(learner_client, exam)

    def finalize(**kwargs):
        raise AssertionError("an attempt before its deadline was sent to attempt_finalize")

    monkeypatch.setattr(services, "attempt_finalize", finalize)
    assert learner_client.get(reverse("exams:status", args=[attempt.public_id])).json()["state"] == "open"
    assert learner_client.get(reverse("exams:attempt", args=[attempt.public_id])).status_code == 200


def test_instructor_tables_make_no_query_per_attempt(instructor_client, exam):
    def take_exam():
        attempt = services.attempt_start(user=UserFactory(), exam=exam, now=START)
        services.attempt_submit(attempt_id=attempt.id, now=START + datetime.timedelta(minutes=3))
        services.accommodation_set(
            exam=exam, user=attempt.user, extra_minutes=0, extra_attempts=1, note="", by=None, now=START
        )

    urls = [
        reverse(f"exams:{name}", args=[exam.course.slug, exam.slug]) for name in ("results", "items", "accommodations")
    ]
    urls.append(urls[0] + "?format=csv")
    take_exam()
    one = [queries_for(instructor_client, url) for url in urls]
    for _ in range(4):
        take_exam()
    assert [queries_for(instructor_client, url) for url in urls] == one


def test_an_instructor_cannot_accommodate_or_reset_themselves(instructor_client, instructor, exam):
    from accounts.models import AccountEvent

    url = reverse("exams:accommodations", args=[exam.course.slug, exam.slug])
    response = instructor_client.post(
        url, {"email": instructor.email, "extra_minutes": 600, "extra_attempts": 20, "note": "for me"}
    )
    assert response.status_code == 200
    assert "This is your own exam: another instructor has to set accommodations for it." in response.content.decode()
    assert not exam.accommodations.exists()

    attempt = services.attempt_start(user=instructor, exam=exam, now=START)
    response = instructor_client.post(
        reverse("exams:attempt_log", args=[attempt.public_id]), {"reason": "Again", "confirm": "on"}
    )
    assert "This is your own exam attempt: another instructor has to reset it." in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.state != AttemptState.VOIDED
    refusals = AccountEvent.objects.filter(kind=AccountEvent.Kind.OWN_RECORD_REFUSED, user=instructor, actor=instructor)
    assert [event.detail["record"] for event in refusals] == ["exam", "exam attempt"]


def test_another_instructor_can_accommodate_an_instructor(instructor_client, exam):
    from tests.accounts.factories import InstructorFactory

    colleague = InstructorFactory()
    url = reverse("exams:accommodations", args=[exam.course.slug, exam.slug])
    response = instructor_client.post(url, {"email": colleague.email, "extra_minutes": 10, "extra_attempts": 0})
    assert response.status_code == 302
    assert exam.accommodations.get().user == colleague
