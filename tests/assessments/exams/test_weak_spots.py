"""Mastery estimates, the Leitner review schedule and the weak-spots quiz built from them."""

import datetime

import pytest
from django.urls import reverse

from assessments.exams import mastery, selectors, services
from assessments.models.exams import PracticeAttempt, PracticeKind
from courses.api import course_get, module_list

from .conftest import START

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)
DAY = datetime.timedelta(days=1)


def evidence(question_id: int, correct: bool, at: datetime.datetime) -> mastery.AnswerEvidence:
    return mastery.AnswerEvidence(
        question_id=question_id, domain="prompting", section="m/l#s", correct=correct, at=at, from_exam=False
    )


# --- the models ----------------------------------------------------------------------------------
def test_knowledge_tracing_follows_the_answers():
    prior = mastery.DEFAULT_PARAMETERS.prior
    assert mastery.mastery_estimate([]) == prior
    one_right = mastery.mastery_estimate([True])
    # Bayes on a right answer (slip 0.1, guess 0.2), then the chance to learn (0.15).
    posterior = prior * 0.9 / (prior * 0.9 + (1 - prior) * 0.2)
    assert one_right == pytest.approx(posterior + (1 - posterior) * 0.15)
    assert mastery.mastery_estimate([False]) < prior < one_right
    assert mastery.mastery_estimate([True] * 5) >= mastery.MASTERED
    # Recent evidence weighs more: a late miss pulls the estimate below an early one.
    assert mastery.mastery_estimate([True, True, False]) < mastery.mastery_estimate([False, True, True])


def test_mastery_by_domain_counts_each_domain_in_answer_order():
    other = mastery.AnswerEvidence(
        question_id=9, domain="tools", section="t/l#s", correct=True, at=START, from_exam=True
    )
    answers = [evidence(1, False, START), other, evidence(2, True, START + DAY)]
    assert mastery.mastery_by_domain(answers) == {
        "prompting": (mastery.mastery_estimate([False, True]), 2),
        "tools": (mastery.mastery_estimate([True]), 1),
    }


def test_leitner_boxes_double_the_wait_and_a_miss_starts_over():
    schedule = mastery.review_schedule(
        [
            evidence(1, False, START),
            evidence(2, True, START),  # never missed: not scheduled
            evidence(3, False, START),
            evidence(3, True, START + DAY),
            evidence(3, True, START + 3 * DAY),
            evidence(3, False, START + 7 * DAY),
        ]
    )
    assert set(schedule) == {1, 3}
    assert (schedule[1].box, schedule[1].due_at) == (1, START + DAY)
    assert (schedule[3].box, schedule[3].due_at) == (1, START + 8 * DAY)
    climbing = mastery.review_schedule(
        [evidence(4, False, START), evidence(4, True, START + DAY), evidence(4, True, START + 3 * DAY)]
    )
    assert (climbing[4].box, climbing[4].due_at) == (3, START + 7 * DAY)


# --- the quiz ----------------------------------------------------------------------------------------
def practise_module(learner, course_id, module_slug, *, right: bool, now):
    module = next(m for m in module_list(course_id=course_id) if m.slug == module_slug)
    practice = services.practice_start(user=learner, course_id=course_id, module=module, now=now)
    for question in practice.questions.select_related("version"):
        option = next(o for o in question.version.options if bool(o.get("correct")) is right)
        services.practice_answer(question=question, raw=option["id"], now=now)
    return practice


def quiz(learner, course_id, now):
    practice = services.practice_start_weak_spots(user=learner, course_id=course_id, now=now)
    return [q.version for q in practice.questions.select_related("version").order_by("position")]


def test_missed_prompting_items_lead_the_quiz_and_come_back_after_a_day(exam, learner):
    course_id = exam.course_id
    missed = practise_module(learner, course_id, "basics", right=False, now=START)  # prompting questions
    practise_module(learner, course_id, "tools", right=True, now=START + MINUTE)
    missed_ids = set(missed.questions.values_list("version__question_id", flat=True))

    soon = quiz(learner, course_id, START + 2 * MINUTE)
    assert soon[0].domain == "prompting"  # the weakest domain first
    assert missed_ids.isdisjoint(v.question_id for v in soon)  # still waiting out their interval

    later = quiz(learner, course_id, START + DAY + 2 * MINUTE)
    assert {v.question_id for v in later[: len(missed_ids)]} == missed_ids  # due for review: first


def test_questions_met_in_the_certification_exam_are_never_drawn(exam, learner):
    attempt = services.attempt_start(user=learner, exam=exam, now=START)
    for slot in attempt.questions.select_related("version"):
        wrong = next(o["id"] for o in slot.version.options if not o.get("correct"))
        services.attempt_answer_save(attempt_id=attempt.id, position=slot.position, raw=wrong, now=START + MINUTE)
    services.attempt_submit(attempt_id=attempt.id, now=START + 2 * MINUTE)
    exam_ids = set(attempt.questions.values_list("version__question_id", flat=True))

    for now in (START + 3 * MINUTE, START + 30 * DAY):
        drawn = quiz(learner, exam.course_id, now)
        assert drawn and exam_ids.isdisjoint(v.question_id for v in drawn)
    # ... while the exam's answers still count toward mastery.
    overview = selectors.mastery_overview(user_id=learner.id, course=course_get(slug="demo-course"), now=START)
    assert overview.answered == len(exam_ids)
    assert all(d.estimate < mastery.DEFAULT_PARAMETERS.prior for d in overview.domains if d.answered)


def test_overview_names_every_domain_weakest_first_with_sections_to_reread(exam, learner):
    practise_module(learner, exam.course_id, "basics", right=False, now=START)
    practise_module(learner, exam.course_id, "tools", right=True, now=START)
    overview = selectors.mastery_overview(user_id=learner.id, course=course_get(slug="demo-course"), now=START)
    assert [d.label for d in overview.domains] == ["Prompting", "Tool use"]
    prompting, tools = overview.domains
    assert prompting.estimate < tools.estimate and not prompting.mastered
    assert [s.lesson_title for s in prompting.sections_to_review] == ["Hello"]
    assert prompting.sections_to_review[0].url.endswith("/basics/hello/#objectives")
    assert tools.sections_to_review == ()
    assert overview.reviews_due == 0 and overview.next_review_at == START + DAY


# --- pages ----------------------------------------------------------------------------------------
def test_weak_spots_page_starts_a_quiz_and_the_dashboard_shows_mastery(learner_client, learner, exam):
    page = learner_client.get(reverse("exams:weak_spots", args=["demo-course"]))
    assert page.status_code == 200
    assert "Answer a practice quiz or take the exam" in page.content.decode()  # nothing answered yet

    response = learner_client.post(reverse("exams:weak_spots", args=["demo-course"]))
    practice = PracticeAttempt.objects.get(user=learner)
    assert practice.kind == PracticeKind.WEAK_SPOTS and practice.module is None
    assert response.url == reverse("exams:practice_attempt", args=[practice.public_id])
    question_page = learner_client.get(response.url).content.decode()
    assert "Practice: your weak spots" in question_page

    first = practice.questions.select_related("version").get(position=1)
    wrong = next(o["id"] for o in first.version.options if not o.get("correct"))
    learner_client.post(response.url, {"position": 1, "answer": wrong})
    learner_client.get(reverse("courses:lesson", args=["demo-course", "basics", "hello"]))  # enrols the learner
    dashboard = learner_client.get(reverse("dashboard")).content.decode()
    assert "How well you know each part" in dashboard and "Estimated from 1 answer" in dashboard


def test_weak_spots_needs_a_known_course_and_a_signed_in_learner(learner_client, exam):
    from django.test import Client

    assert learner_client.get(reverse("exams:weak_spots", args=["no-such-course"])).status_code == 404
    response = Client().get(reverse("exams:weak_spots", args=["demo-course"]))
    assert response.status_code == 302 and "login" in response.url
