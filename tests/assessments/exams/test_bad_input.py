"""Answers a learner can type that once crashed scoring, the sweep or the answer view."""

import datetime
import logging

import pytest
from django.urls import reverse

from assessments.exams import services
from assessments.exams.scoring import (
    NUMERIC_MAX_CHARS,
    InvalidResponse,
    clean_response,
    parse_ascii_int,
    score_fraction,
)
from assessments.models.exams import Attempt, AttemptQuestion, AttemptState, EventKind, QuestionVersion

from .conftest import START
from .test_views import kinds_exam, start

pytestmark = pytest.mark.django_db

NUMERIC_KEY = {"answer": "10000000000", "tolerance": "0"}


def numeric(raw):
    return clean_response(kind="numeric", options=[], raw=raw)


@pytest.mark.parametrize("typed", ["1e999999999", "1e1000000", "-1E51", "1e-51", "NaN", "Infinity", "١٢", "0x1F"])
def test_numbers_scoring_could_not_handle_are_refused_at_save(typed):
    with pytest.raises(InvalidResponse):
        numeric(typed)


@pytest.mark.parametrize("typed", ["10000000000", "1e10", "10,000,000,000", "１２", "¹²", "-0.5", "0e-999999999"])
def test_plain_numbers_are_stored_exactly_as_typed(typed):
    assert numeric(typed) == typed


def test_a_numeric_answer_is_refused_not_cut_when_too_long():
    longest = "0." + "5" * (NUMERIC_MAX_CHARS - 2)
    assert numeric(longest) == longest
    with pytest.raises(InvalidResponse, match=f"{NUMERIC_MAX_CHARS} characters"):
        numeric("0" * 120 + "1")


@pytest.mark.parametrize("stored", ["1e999999999", "1e1000000", "-1e999999999", "1" * 121])
def test_a_stored_answer_from_before_the_checks_scores_zero(stored):
    assert score_fraction(kind="numeric", options=[], key=NUMERIC_KEY, response=stored) == 0


@pytest.mark.parametrize("typed", ["a\x00b", "tool\x07choice", "\ud800"])
def test_control_characters_in_a_text_answer_are_refused_with_a_message(typed):
    with pytest.raises(InvalidResponse, match="control character"):
        clean_response(kind="short_text", options=[], raw=typed)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("3", 3), (" 2 ", 2), ("¹", None), ("١", None), ("３", None), ("0", None), ("4", None), ("", None), (None, None)],
)
def test_positions_are_read_from_ascii_digits_only(typed, expected):
    assert parse_ascii_int(typed, low=1, high=3) == expected


def _overdue_attempt(exam, *, kind: str, response, hours_ago: int) -> Attempt:
    """An open attempt past its deadline plus grace, its `kind` question answered with `response`."""
    from tests.accounts.factories import UserFactory

    attempt = services.attempt_start(user=UserFactory(), exam=exam, now=START)
    slot = attempt.questions.get(version__kind=kind)
    AttemptQuestion.objects.filter(pk=slot.pk).update(response=response, answered_at=START)
    closes_at = START - datetime.timedelta(hours=hours_ago)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=closes_at, closes_at=closes_at)
    return attempt


def test_sweep_finalizes_a_poisoned_attempt_and_the_good_one_after_it(tmp_path):
    exam = kinds_exam(tmp_path, prompting=6, tools=5)
    # Saved before numeric answers were checked; it closes first, so the sweep meets it first.
    poisoned = _overdue_attempt(exam, kind="numeric", response="1e999999999", hours_ago=2)
    good = _overdue_attempt(exam, kind="numeric", response="10000000000", hours_ago=1)

    assert services.attempt_sweep_overdue(now=START) == 2

    poisoned.refresh_from_db()
    good.refresh_from_db()
    assert poisoned.state == good.state == AttemptState.TIMED_OUT
    assert poisoned.questions.get(version__kind="numeric").points_awarded == 0
    assert good.questions.get(version__kind="numeric").points_awarded == 2


def test_sweep_goes_on_when_one_attempt_cannot_be_finalized(tmp_path, caplog):
    exam = kinds_exam(tmp_path, prompting=6, tools=5)
    broken = _overdue_attempt(exam, kind="short_text", response="x", hours_ago=2)
    good = _overdue_attempt(exam, kind="numeric", response="10000000000", hours_ago=1)
    # Its short-text question now points at a version whose kind scoring does not know.
    slot = broken.questions.select_related("version").get(version__kind="short_text")
    unknown = QuestionVersion.objects.get(pk=slot.version_id)
    unknown.pk, unknown.number, unknown.kind = None, unknown.number + 1, "essay"
    unknown.save()
    AttemptQuestion.objects.filter(pk=slot.pk).update(version=unknown)

    with caplog.at_level(logging.ERROR, logger="assessments.exams.services"):
        assert services.attempt_sweep_overdue(now=START) == 1

    broken.refresh_from_db()
    good.refresh_from_db()
    assert good.state == AttemptState.TIMED_OUT
    assert broken.state == AttemptState.OPEN  # rolled back on its own, left for a person
    assert f"could not finalize attempt {broken.id}" in caplog.text


def test_answer_view_refuses_bad_values_with_a_message_and_keeps_the_saved_answer(learner_client, tmp_path):
    exam = kinds_exam(tmp_path, prompting=6, tools=5)
    attempt = start(learner_client, exam)
    url = reverse("exams:answer", args=[attempt.public_id])
    slots = {slot.version.kind: slot for slot in attempt.questions.select_related("version")}
    text, number, order = slots["short_text"], slots["numeric"], slots["ordering"]

    saved = learner_client.post(url, {"position": text.position, "answer": "tool_choice"}, HTTP_HX_REQUEST="true")
    assert "saved at" in saved.content.decode()
    for position, data, message in [
        (text.position, {"answer": "a\x00b"}, "control character"),
        (number.position, {"answer": "1e999999999"}, "between 10^-50 and 10^50"),
        (number.position, {"answer": "9" * 121}, "100 characters"),
        (order.position, {"rank-one": "¹", "rank-two": "2", "rank-three": "3"}, "different position"),
        (
            order.position,
            {"rank-one": "1", "rank-two": "2", "rank-three": "99999999999999999999"},
            "different position",
        ),
    ]:
        response = learner_client.post(url, {"position": position, **data}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert message in response.content.decode()
    assert AttemptQuestion.objects.get(pk=text.pk).response == "tool_choice"
    assert AttemptQuestion.objects.get(pk=number.pk).response is None


@pytest.mark.parametrize("position", ["¹", "99999999999999999999999", "-1", "1.0", ""])
def test_a_malformed_position_is_a_404_not_a_500(learner_client, exam, position):
    attempt = start(learner_client, exam)
    for name in ("exams:answer", "exams:flag"):
        response = learner_client.post(reverse(name, args=[attempt.public_id]), {"position": position, "answer": "a"})
        assert response.status_code == 404
    page = learner_client.get(reverse("exams:attempt", args=[attempt.public_id]), {"q": position})
    assert page.status_code == 200 and "Question 1 of 3" in page.content.decode()


def test_submit_after_the_deadline_task_says_time_ran_out_and_is_logged(learner_client, exam):
    attempt = start(learner_client, exam)
    services.attempt_finalize(
        attempt_id=attempt.id, now=attempt.closes_at, reason=services.FinalizeReason.DEADLINE_TASK
    )
    attempt.refresh_from_db()
    response = learner_client.post(reverse("exams:submit", args=[attempt.public_id]), follow=True)
    page = response.content.decode()
    assert "already been submitted" not in page
    assert f"submitted automatically at {attempt.finished_at:%H:%M} UTC" in page
    refusal = attempt.events.get(kind=EventKind.REFUSED)
    assert refusal.data == {"refused": "submit", "state": AttemptState.TIMED_OUT}


def test_a_double_submit_still_reads_as_already_submitted(learner_client, exam):
    attempt = start(learner_client, exam)
    url = reverse("exams:submit", args=[attempt.public_id])
    learner_client.post(url)
    again = learner_client.post(url, follow=True)
    assert "already been submitted" in again.content.decode()
    assert not attempt.events.filter(kind=EventKind.REFUSED).exists()
