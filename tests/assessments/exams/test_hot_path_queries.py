"""The exam's hot paths, which every learner hits once per question (page, save) or every 20 s
(status): their query counts are pinned so that a change adding a query per request shows here.

Counts are of a signed-in learner whose session is already in the cache (the session engine
is cached_db); a save's SAVEPOINT and RELEASE are counted too. A question's second save finds
the attempt and question it targets in the process's memory."""

import pytest
from django.urls import reverse

from assessments.models.exams import AttemptQuestion, QuestionTranslation

from .test_views import correct, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt(learner_client, exam):
    attempt = start(learner_client, exam)
    # The first request after sign-in may still read the session from the database.
    learner_client.get(reverse("exams:status", args=[attempt.public_id]))
    return attempt


def test_question_page_costs_four_queries(learner_client, attempt, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = learner_client.get(reverse("exams:attempt", args=[attempt.public_id]) + "?q=2")
    assert response.status_code == 200
    assert "Question 2 of 3" in response.content.decode()


def test_a_translated_question_page_costs_the_same_four_queries(learner_client, attempt, django_assert_max_num_queries):
    """The question's translation is joined into the query that loads the slot, not fetched after it."""
    slot = AttemptQuestion.objects.select_related("version").get(attempt=attempt, position=2)
    QuestionTranslation.objects.create(
        version=slot.version,
        language="ja",
        stem_html="<p>日本語の問題文</p>",
        explanation_html="<p>解説</p>",
        option_html={str(option["id"]): f"選択肢 {option['id']}" for option in slot.version.options},
        source_hash="0123456789ab",
    )
    url = reverse("exams:attempt", args=[attempt.public_id]) + "?q=2"
    with django_assert_max_num_queries(4):
        response = learner_client.get(url, HTTP_ACCEPT_LANGUAGE="ja")
    body = response.content.decode()
    assert "<p>日本語の問題文</p>" in body and slot.version.stem_html not in body
    assert all(f"選択肢 {option['id']}" in body for option in slot.version.options)
    with django_assert_max_num_queries(4):
        untranslated = learner_client.get(url.replace("q=2", "q=3"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert 'role="note"' in untranslated


def test_status_poll_costs_two_queries(learner_client, attempt, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = learner_client.get(reverse("exams:status", args=[attempt.public_id]))
    assert response.json()["total"] == 3


def test_autosave_costs_seven_queries_and_an_unchanged_answer_four(
    learner_client, attempt, django_assert_max_num_queries
):
    slot = AttemptQuestion.objects.select_related("version").get(attempt=attempt, position=2)
    url = reverse("exams:answer", args=[attempt.public_id])
    with django_assert_max_num_queries(7):
        saved = learner_client.post(url, {"position": 2, "answer": correct(slot)}, HTTP_HX_REQUEST="true")
    assert "Answer 2 saved at" in saved.content.decode()
    with django_assert_max_num_queries(4):
        again = learner_client.post(url, {"position": 2, "answer": correct(slot)}, HTTP_HX_REQUEST="true")
    assert again.status_code == 200
    slot.refresh_from_db()
    assert slot.response == correct(slot)


def test_navigator_links_and_marks_answered_questions(learner_client, attempt):
    slot = AttemptQuestion.objects.select_related("version").get(attempt=attempt, position=3)
    learner_client.post(
        reverse("exams:answer", args=[attempt.public_id]),
        {"position": 3, "answer": correct(slot)},
        HTTP_HX_REQUEST="true",
    )
    body = learner_client.get(reverse("exams:attempt", args=[attempt.public_id])).content.decode()
    page_url = reverse("exams:attempt", args=[attempt.public_id])
    assert f'href="{page_url}?q=3"' in body
    assert body.count("is-answered") == 2  # question 3's entry and the legend's key
    assert "1 of 3 answered" in body


@pytest.fixture
def no_kept_answer_inputs():
    from assessments.exams import views

    views._ANSWER_FIELDS.clear()
    yield
    views._ANSWER_FIELDS.clear()


def _page(client, attempt, **headers):
    response = client.get(reverse("exams:attempt", args=[attempt.public_id]) + "?q=1", **headers)
    assert response.status_code == 200
    rendered = "assessments/exams/_answer_fields.html" in [template.name for template in response.templates]
    body = response.content.decode()
    return body[body.index("<fieldset") : body.index("</fieldset>")], rendered


def test_answer_inputs_are_rendered_again_for_a_new_version_or_language(learner_client, attempt, no_kept_answer_inputs):
    first, rendered = _page(learner_client, attempt)
    assert rendered
    again, rendered = _page(learner_client, attempt)
    assert not rendered and again == first and 'type="radio"' in first  # kept: the same inputs, not rendered

    _, rendered = _page(learner_client, attempt, HTTP_ACCEPT_LANGUAGE="ja")
    assert rendered  # another language renders its own inputs
    _, rendered = _page(learner_client, attempt, HTTP_ACCEPT_LANGUAGE="ja")
    assert not rendered

    slot = AttemptQuestion.objects.select_related("version").get(attempt=attempt, position=1)
    version = slot.version
    options = [{**option, "html": f"<p>Reworded option {option['id']}</p>"} for option in version.options]
    slot.version = type(version).objects.create(
        **{
            field.name: getattr(version, field.name)
            for field in version._meta.concrete_fields
            if field.name not in ("id", "number", "options", "created_at")
        },
        number=version.number + 1,
        options=options,
    )
    slot.save(update_fields=["version"])
    reworded, rendered = _page(learner_client, attempt)
    assert rendered and reworded.count("Reworded option") == len(options)
