import datetime
from decimal import Decimal

import pytest
from django.db import connection

from assessments import api
from assessments.exams import selectors, services, tasks
from assessments.exams.scoring import InvalidResponse
from assessments.models.exams import Accommodation, Attempt, AttemptEvent, AttemptState, EventKind
from tests.accounts.factories import UserFactory
from tests.concurrency import all_at_once
from tests.requirements import require_postgresql

from .conftest import START

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


def correct_raw(slot):
    return next(o["id"] for o in slot.version.options if o["correct"])


def wrong_raw(slot):
    return next(o["id"] for o in slot.version.options if not o["correct"])


def answer_all(attempt, *, now, right: int):
    for index, slot in enumerate(attempt.questions.select_related("version").order_by("position")):
        raw = correct_raw(slot) if index < right else wrong_raw(slot)
        services.attempt_answer_save(attempt_id=attempt.id, position=slot.position, raw=raw, now=now)


def finalized_events(attempt):
    return AttemptEvent.objects.filter(attempt=attempt, kind=EventKind.FINALIZED).count()


def test_start_sets_server_deadline_draw_and_test_mode(exam, learner, settings):
    attempt = services.attempt_start(user=learner, exam=exam, now=START)
    assert attempt.deadline == START + 30 * MINUTE
    assert attempt.closes_at == attempt.deadline + datetime.timedelta(seconds=60)
    assert attempt.test_mode is settings.PLATFORM_TEST_MODE
    domains = sorted(slot.version.domain for slot in attempt.questions.select_related("version"))
    assert domains == ["prompting", "prompting", "tools"]
    event = AttemptEvent.objects.get(attempt=attempt, kind=EventKind.STARTED)
    assert event.data["seed"] == attempt.seed


def test_starting_the_exam_puts_the_course_on_the_learners_dashboard(exam, learner, client):
    """A learner who goes straight to the exam, without a lesson, is in the course all the same."""
    from django.urls import reverse

    client.force_login(learner)
    assert "You have not started a course yet" in client.get(reverse("dashboard")).content.decode()
    services.attempt_start(user=learner, exam=exam, now=START)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "You have not started a course yet" not in dashboard and exam.course.title in dashboard


def test_start_schedules_finalization_on_commit(exam, learner, settings, django_capture_on_commit_callbacks):
    import redis

    queue = redis.Redis.from_url(settings.REDIS_URL) if settings.REDIS_URL else None
    before = queue.llen("default") if queue else 0
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.attempt_start(user=learner, exam=exam, now=START)
    assert len(callbacks) == 1
    if queue:  # on Redis the task waits in the queue until its eta
        assert queue.llen("default") == before + 1


def test_starting_again_resumes_the_open_attempt(exam, learner):
    first = services.attempt_start(user=learner, exam=exam, now=START)
    again = services.attempt_start(user=learner, exam=exam, now=START + 5 * MINUTE)
    assert again.pk == first.pk
    assert Attempt.objects.filter(user=learner).count() == 1
    assert AttemptEvent.objects.filter(attempt=first, kind=EventKind.RESUMED).exists()


def test_answer_is_saved_with_server_time_and_idempotent(exam, learner):
    attempt = services.attempt_start(user=learner, exam=exam, now=START)
    slot = attempt.questions.select_related("version").get(position=1)
    saved = services.attempt_answer_save(attempt_id=attempt.id, position=1, raw=correct_raw(slot), now=START + MINUTE)
    assert saved.changed and saved.slot.answered_at == START + MINUTE
    again = services.attempt_answer_save(
        attempt_id=attempt.id, position=1, raw=correct_raw(slot), now=START + 2 * MINUTE
    )
    assert not again.changed
    assert AttemptEvent.objects.filter(attempt=attempt, kind=EventKind.ANSWER_SAVED).count() == 1
    with pytest.raises(InvalidResponse):
        services.attempt_answer_save(attempt_id=attempt.id, position=1, raw="zzz", now=START + 2 * MINUTE)


def test_answer_within_grace_is_accepted_and_after_grace_refused(exam, learner):
    attempt = services.attempt_start(user=learner, exam=exam, now=START)
    slot = attempt.questions.select_related("version").get(position=1)
    in_grace = attempt.deadline + datetime.timedelta(seconds=59)
    services.attempt_answer_save(attempt_id=attempt.id, position=1, raw=correct_raw(slot), now=in_grace)
    with pytest.raises(services.AttemptClosedError, match="Time is up"):
        services.attempt_answer_save(attempt_id=attempt.id, position=2, raw="a", now=attempt.closes_at)
    attempt.refresh_from_db()
    # The late request finalized the attempt with what was saved before.
    assert attempt.state == AttemptState.TIMED_OUT
    assert attempt.questions.get(position=1).points_awarded == 1
    assert attempt.questions.get(position=2).response is None
    assert AttemptEvent.objects.filter(attempt=attempt, kind=EventKind.REFUSED).exists()


def test_submit_after_deadline_plus_grace_is_refused(exam, learner):
    attempt = services.attempt_start(user=learner, exam=exam, now=START)
    with pytest.raises(services.AttemptClosedError, match="Time is up"):
        services.attempt_submit(attempt_id=attempt.id, now=attempt.closes_at + MINUTE)
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.TIMED_OUT
    assert finalized_events(attempt) == 1


def test_abandoned_attempt_is_finalized_by_the_sweep_with_its_saved_answers(exam, learner):
    attempt = services.attempt_start(user=learner, exam=exam, now=START)
    answer_all(attempt, now=START + MINUTE, right=2)
    assert services.attempt_sweep_overdue(now=attempt.closes_at - datetime.timedelta(seconds=1)) == 0
    assert services.attempt_sweep_overdue(now=attempt.closes_at) == 1
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.TIMED_OUT
    assert attempt.finished_at == attempt.closes_at
    assert attempt.score_points == 2 and attempt.max_points == 3
    assert attempt.score_percent == Decimal("66.67") and attempt.passed is True
    assert services.attempt_sweep_overdue(now=attempt.closes_at + MINUTE) == 0


def test_deadline_task_is_idempotent_and_waits_for_the_deadline(exam, learner, time_machine):
    # The task reads the clock itself: travel to the attempt's start, then past its close.
    time_machine.move_to(START + MINUTE, tick=False)
    attempt = services.attempt_start(user=learner, exam=exam, now=START)
    tasks.attempt_finalize_due.apply(args=[attempt.id])  # long before the deadline: nothing happens
    attempt.refresh_from_db()
    assert attempt.is_open
    time_machine.move_to(attempt.closes_at + MINUTE, tick=False)
    tasks.attempt_finalize_due.apply(args=[attempt.id])
    tasks.attempt_finalize_due.apply(args=[attempt.id])
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.TIMED_OUT
    assert finalized_events(attempt) == 1


def test_double_submit_finalizes_once(exam, learner):
    attempt = services.attempt_start(user=learner, exam=exam, now=START)
    answer_all(attempt, now=START + MINUTE, right=3)
    assert services.attempt_submit(attempt_id=attempt.id, now=START + 2 * MINUTE) is True
    assert services.attempt_submit(attempt_id=attempt.id, now=START + 2 * MINUTE) is False
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.SUBMITTED and attempt.score_percent == 100
    assert finalized_events(attempt) == 1
    with pytest.raises(services.AttemptClosedError):
        services.attempt_answer_save(attempt_id=attempt.id, position=1, raw="a", now=START + 3 * MINUTE)


def test_finalizing_stores_each_slots_points_with_one_update_per_distinct_score(exam, learner):
    from django.test.utils import CaptureQueriesContext

    from assessments.models.exams import AttemptQuestion

    attempt = services.attempt_start(user=learner, exam=exam, now=START)
    answer_all(attempt, now=START + MINUTE, right=1)
    with CaptureQueriesContext(connection) as captured:
        assert services.attempt_submit(attempt_id=attempt.id, now=START + 2 * MINUTE) is True
    slots = list(attempt.questions.select_related("version").order_by("position"))
    assert [slot.points_awarded for slot in slots] == [slots[0].version.points] + [Decimal(0)] * (len(slots) - 1)
    table = AttemptQuestion._meta.db_table
    updates = [q["sql"] for q in captured.captured_queries if q["sql"].startswith(f'UPDATE "{table}"')]
    assert len(updates) == 2  # the full score and zero, not one statement per slot nor a CASE over all
    assert not any("CASE" in sql for sql in updates)


def test_submit_in_grace_then_sweep_finalizes_once(exam, learner):
    attempt = services.attempt_start(user=learner, exam=exam, now=START)
    assert services.attempt_submit(attempt_id=attempt.id, now=attempt.deadline + datetime.timedelta(seconds=30))
    assert services.attempt_sweep_overdue(now=attempt.closes_at + MINUTE) == 0
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.SUBMITTED
    assert finalized_events(attempt) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_submit_and_sweep_finalize_once_on_postgresql(content_root):
    require_postgresql(connection.vendor, "real row locks")
    import threading

    from django.db import connections

    from .conftest import sync

    sync(content_root)
    from assessments.models.exams import Exam

    exam = Exam.objects.get(slug="final-exam")
    results = []
    for round_ in range(5):
        learner = UserFactory()
        attempt = services.attempt_start(user=learner, exam=exam, now=START)
        late = attempt.deadline + datetime.timedelta(seconds=30)
        barrier = threading.Barrier(4)

        def run(call):
            barrier.wait()
            try:
                results.append((round_, call()))
            except services.AttemptClosedError:
                results.append((round_, False))  # a submit that lost to the sweep is told the time ran out
            finally:
                connections.close_all()

        calls = [
            lambda: services.attempt_submit(attempt_id=attempt.id, now=late),
            lambda: services.attempt_submit(attempt_id=attempt.id, now=late),
            lambda: services.attempt_finalize(
                attempt_id=attempt.id, now=attempt.closes_at, reason=services.FinalizeReason.SWEEP
            ),
            lambda: services.attempt_sweep_overdue(now=attempt.closes_at) == 1,
        ]
        threads = [threading.Thread(target=run, args=(call,)) for call in calls]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert finalized_events(attempt) == 1
        assert sum(1 for r, won in results if r == round_ and won) == 1


@pytest.mark.django_db(transaction=True)
def test_two_tabs_starting_at_once_share_one_attempt(content_root):
    require_postgresql(connection.vendor, "real concurrency")

    from assessments.models.exams import Exam

    from .conftest import sync

    sync(content_root)
    exam = Exam.objects.get(slug="final-exam")
    learner = UserFactory()
    started = all_at_once(lambda: services.attempt_start(user=learner, exam=exam, now=START), threads=3)
    assert all(isinstance(attempt, Attempt) for attempt in started), started
    assert len({attempt.pk for attempt in started}) == 1
    assert Attempt.objects.filter(user=learner).count() == 1


def test_attempts_allowed_and_cooldown(exam, learner):
    first = services.attempt_start(user=learner, exam=exam, now=START)
    services.attempt_submit(attempt_id=first.id, now=START + MINUTE)
    with pytest.raises(services.ExamNotAvailable, match="cool-down"):
        services.attempt_start(user=learner, exam=exam, now=START + 23 * 60 * MINUTE)
    second = services.attempt_start(user=learner, exam=exam, now=START + MINUTE + 24 * 60 * MINUTE)
    assert second.number == 2
    services.attempt_submit(attempt_id=second.id, now=second.started_at + MINUTE)
    with pytest.raises(services.ExamNotAvailable, match="used all 2 attempts"):
        services.attempt_start(user=learner, exam=exam, now=START + 30 * 24 * 60 * MINUTE)


def test_extra_attempts_and_extra_time_from_accommodation(exam, learner, instructor):
    services.accommodation_set(
        exam=exam, user=learner, extra_minutes=15, extra_attempts=1, note="", by=instructor, now=START
    )
    attempt = services.attempt_start(user=learner, exam=exam, now=START)
    assert attempt.deadline == START + 45 * MINUTE and attempt.extra_minutes == 15
    slot = attempt.questions.select_related("version").get(position=1)
    # Past the normal 30 minutes plus grace, still inside the extended deadline.
    services.attempt_answer_save(attempt_id=attempt.id, position=1, raw=correct_raw(slot), now=START + 40 * MINUTE)
    eligibility = selectors.exam_eligibility(user=learner, exam=exam, now=START)
    assert eligibility.attempts_allowed == 3


def test_extra_time_cannot_change_during_an_open_attempt(exam, learner, instructor):
    services.attempt_start(user=learner, exam=exam, now=START)
    with pytest.raises(ValueError, match="before an attempt starts"):
        services.accommodation_set(
            exam=exam, user=learner, extra_minutes=10, extra_attempts=0, note="", by=instructor, now=START
        )
    services.accommodation_set(
        exam=exam, user=learner, extra_minutes=0, extra_attempts=2, note="", by=instructor, now=START
    )
    assert Accommodation.objects.get(user=learner).extra_attempts == 2


def test_reset_voids_attempt_and_frees_the_attempt(exam, learner, instructor):
    first = services.attempt_start(user=learner, exam=exam, now=START)
    services.attempt_submit(attempt_id=first.id, now=START + MINUTE)
    with pytest.raises(ValueError):
        services.attempt_reset(attempt_id=first.id, by=instructor, reason="  ", now=START)
    services.attempt_reset(
        attempt_id=first.id, by=instructor, reason="Power cut in the test centre", now=START + 2 * MINUTE
    )
    first.refresh_from_db()
    assert first.state == AttemptState.VOIDED
    event = AttemptEvent.objects.get(attempt=first, kind=EventKind.RESET)
    assert event.actor == instructor and event.data["reason"] == "Power cut in the test centre"
    # No cool-down and no attempt used: the learner can start again at once.
    second = services.attempt_start(user=learner, exam=exam, now=START + 3 * MINUTE)
    assert second.number == 2
    assert selectors.exam_eligibility(user=learner, exam=exam, now=START).attempts_used == 1
    assert api.exam_best_outcome(user_id=learner.id, course_id=exam.course_id, exam_slug=exam.slug) is None


def test_next_attempt_avoids_questions_already_seen(exam, learner):
    first = services.attempt_start(user=learner, exam=exam, now=START)
    services.attempt_submit(attempt_id=first.id, now=START + MINUTE)
    second = services.attempt_start(user=learner, exam=exam, now=START + 2 * 24 * 60 * MINUTE)
    first_q = set(first.questions.values_list("version__question_id", flat=True))
    second_q = set(second.questions.values_list("version__question_id", flat=True))
    # 4 prompting questions for 2 places: both can be new; 2 tools questions for 1 place: so can that one.
    assert not first_q & second_q


def test_best_attempt_counts_and_outcome_is_sent_on_commit(exam, learner, django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    api.learner_progressed.connect(receiver)
    try:
        first = services.attempt_start(user=learner, exam=exam, now=START)
        answer_all(first, now=START + MINUTE, right=3)
        with django_capture_on_commit_callbacks(execute=True):
            services.attempt_submit(attempt_id=first.id, now=START + 2 * MINUTE)
        assert received == [{"signal": api.learner_progressed, "user_id": learner.id, "course_id": exam.course_id}]
        second = services.attempt_start(user=learner, exam=exam, now=START + 2 * 24 * 60 * MINUTE)
        answer_all(second, now=second.started_at + MINUTE, right=0)
        services.attempt_submit(attempt_id=second.id, now=second.started_at + 2 * MINUTE)
    finally:
        api.learner_progressed.disconnect(receiver)
    outcome = api.exam_best_outcome(user_id=learner.id, course_id=exam.course_id, exam_slug="final-exam")
    assert outcome.attempt_id == first.id
    assert outcome.passed is True and outcome.score_percent == 100.0
    assert outcome.finished_at == START + 2 * MINUTE
    assert api.exam_best_outcome(user_id=learner.id, course_id=exam.course_id, exam_slug="nope") is None


def test_status_reports_remaining_seconds_state_and_answered(exam, learner):
    attempt = services.attempt_start(user=learner, exam=exam, now=START)
    answer_all(attempt, now=START + MINUTE, right=1)
    status = selectors.attempt_status(attempt=attempt, now=START + 10 * MINUTE + datetime.timedelta(seconds=0.4))
    assert status.as_json()["remaining_seconds"] == 20 * 60 - 1
    assert status.answered == 3 and status.total == 3 and status.state == "open"
    assert status.remaining_display == "19:59"


def test_audit_log_records_the_whole_lifecycle(exam, learner):
    attempt = services.attempt_start(user=learner, exam=exam, now=START)
    slot = attempt.questions.select_related("version").get(position=1)
    services.attempt_answer_save(attempt_id=attempt.id, position=1, raw=correct_raw(slot), now=START + MINUTE)
    services.attempt_flag_set(attempt_id=attempt.id, position=2, flagged=True, now=START + 2 * MINUTE)
    services.attempt_flag_set(attempt_id=attempt.id, position=2, flagged=False, now=START + 3 * MINUTE)
    services.attempt_submit(attempt_id=attempt.id, now=START + 4 * MINUTE)
    kinds = list(selectors.attempt_events(attempt=attempt).values_list("kind", flat=True))
    assert kinds == ["started", "answer_saved", "flagged", "unflagged", "submitted", "finalized"]
    saved = AttemptEvent.objects.get(attempt=attempt, kind="answer_saved")
    assert saved.data["response"] == correct_raw(slot) and saved.at == START + MINUTE
