"""Writes for exams, attempts and practice quizzes. Every time-dependent service takes `now`."""

import datetime
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext

from accounts.api import OwnRecordAction, own_record_refusal
from assessments.models.exams import (
    Accommodation,
    Attempt,
    AttemptEvent,
    AttemptQuestion,
    AttemptReset,
    AttemptState,
    EventKind,
    Exam,
    PracticeAnswer,
    PracticeAttempt,
    PracticeKind,
    PracticeQuestion,
)
from assessments.signals import learner_progressed
from config.queries import PrecompiledRecord
from courses import api as courses_api

from . import selectors
from .draw import DrawnQuestion, draw_questions, draw_weak_spots
from .mastery import MASTERED, mastery_by_domain, mastery_estimate, review_schedule
from .scoring import InvalidResponse, clean_response, points_for, score_fraction

logger = logging.getLogger(__name__)


class ExamNotAvailable(Exception):
    """The learner may not start an attempt now; the message says why."""


class AttemptClosedError(Exception):
    """The attempt no longer accepts answers, flags or a submit; the message says why."""


class FinalizeReason:
    SUBMITTED = "submitted"  # the learner confirmed the submit
    REQUEST = "request"  # the learner's next request came after the deadline plus grace
    DEADLINE_TASK = "deadline_task"
    SWEEP = "sweep"


def _closed_message(attempt: Attempt) -> str:
    """Why a closed attempt refused a change, in the learner's terms: a learner whose time ran
    out never pressed submit, so "already submitted" would not tell them what happened."""
    at = f"{attempt.finished_at:%H:%M} UTC" if attempt.finished_at else ""
    if attempt.state == AttemptState.TIMED_OUT:
        return gettext(
            "Time is up, so this change was not saved: your attempt was submitted automatically at %(at)s "
            "with the answers saved before the deadline."
        ) % {"at": at}
    if attempt.state == AttemptState.SUBMITTED:
        return gettext("You submitted this attempt at %(at)s; it no longer accepts changes.") % {"at": at}
    return gettext("This attempt was reset by an instructor; it no longer accepts changes.")


def _event(attempt: Attempt, kind: str, now: datetime.datetime, actor=None, **data) -> AttemptEvent:
    return AttemptEvent.objects.create(attempt=attempt, kind=kind, at=now, actor=actor, data=data)


# --- starting --------------------------------------------------------------------------
def attempt_start(*, user, exam: Exam, now: datetime.datetime) -> Attempt:
    """Resume the learner's open attempt, or start a new one if the rules allow.

    Two simultaneous starts (two tabs) both end on the same attempt: the partial
    unique constraint lets only one open attempt exist, and the loser resumes it.
    """
    open_attempt = selectors.attempt_open_for(user=user, exam=exam)
    if open_attempt is not None and attempt_close_if_due(attempt=open_attempt, now=now).is_open:
        _event(open_attempt, EventKind.RESUMED, now, actor=user)
        return open_attempt
    eligibility = selectors.exam_eligibility(user=user, exam=exam, now=now)
    if not eligibility.can_start:
        raise ExamNotAvailable(eligibility.reason)
    try:
        with transaction.atomic():
            attempt = _create_attempt(user=user, exam=exam, now=now, extra_minutes=eligibility.extra_minutes)
            courses_api.enrollment_ensure(user_id=user.pk, course_id=exam.course_id)
    except IntegrityError:
        concurrent = selectors.attempt_open_for(user=user, exam=exam)
        if concurrent is None:
            raise
        return concurrent
    transaction.on_commit(lambda: _schedule_finalize(attempt.id, attempt.closes_at))
    return attempt


def _create_attempt(*, user, exam: Exam, now: datetime.datetime, extra_minutes: int) -> Attempt:
    seed = secrets.randbits(62)
    drawn = draw_questions(
        candidates=selectors.question_candidates(
            course_id=exam.course_id,
            domains=set(exam.blueprint),
            external_ids=selectors.exam_question_restriction(exam=exam),
        ),
        counts=exam.blueprint,
        seed=seed,
        seen_question_ids=selectors.questions_seen_by(user=user, course_id=exam.course_id),
        shuffle_questions=exam.shuffle_questions,
        shuffle_options=exam.shuffle_options,
    )
    number = (Attempt.objects.filter(user=user, exam=exam).aggregate(top=Max("number"))["top"] or 0) + 1
    deadline = now + datetime.timedelta(minutes=exam.time_limit_minutes + extra_minutes)
    attempt = Attempt.objects.create(
        user=user,
        exam=exam,
        number=number,
        seed=seed,
        started_at=now,
        extra_minutes=extra_minutes,
        deadline=deadline,
        closes_at=deadline + datetime.timedelta(seconds=exam.grace_seconds),
        pass_mark_percent=exam.pass_mark_percent,
        test_mode=settings.PLATFORM_TEST_MODE,
    )
    AttemptQuestion.objects.bulk_create(
        [
            AttemptQuestion(
                attempt=attempt, position=index, version_id=item.version_id, option_order=list(item.option_order)
            )
            for index, item in enumerate(drawn, start=1)
        ]
    )
    _event(
        attempt,
        EventKind.STARTED,
        now,
        actor=user,
        seed=seed,
        deadline=deadline.isoformat(),
        extra_minutes=extra_minutes,
        questions=[item.version_id for item in drawn],
    )
    return attempt


def _schedule_finalize(attempt_id: int, closes_at: datetime.datetime) -> None:
    from kombu.exceptions import OperationalError

    from .tasks import attempt_finalize_due

    try:
        attempt_finalize_due.apply_async(args=[attempt_id], eta=closes_at)
    except (OperationalError, OSError):
        # The periodic sweep and the learner's next request finalize the attempt anyway;
        # a broker outage must not stop a learner from starting.
        logger.exception("could not schedule finalization of attempt %s; the sweep will do it", attempt_id)


# --- answering ---------------------------------------------------------------------------
@dataclass(frozen=True)
class SavedAnswer:
    slot: AttemptQuestion
    changed: bool


class _Closed(Exception):
    """The attempt no longer accepts changes; the caller refuses with `_refusal`."""


class _Expired(_Closed):
    """The attempt is past its deadline plus grace; `_refusal` finalizes it first."""


# The SQL is compiled once per thread (config.queries): building it was a fifth of an autosave's CPU.
_LOCKED_SLOT = PrecompiledRecord(
    lambda attempt_id, position: (
        AttemptQuestion.objects.select_for_update(of=("self", "attempt"))
        .select_related("attempt", "version")
        .filter(attempt_id=attempt_id, position=position)
    ),
    attempt_id=-7_319_006,
    position=32_718,
)


def _lock_accepting_slot(attempt_id: int, position: int, now: datetime.datetime) -> AttemptQuestion:
    """Caller is inside a transaction. Returns the slot at `position`, locked with its attempt, and its
    version, read in one query (this runs on every autosave), or raises _Closed or _Expired.
    Locking the slot's row as well makes a read that waited for another save see that save's answer."""
    slot = _LOCKED_SLOT.get(attempt_id=attempt_id, position=position)
    if not slot.attempt.is_open:
        raise _Closed()
    if now >= slot.attempt.closes_at:
        raise _Expired()
    return slot


def _refusal(attempt_id: int, now: datetime.datetime, what: str, cause: _Closed) -> AttemptClosedError:
    """The error for a change that came too late, saying what happened; the refusal is kept in the
    attempt's audit log. An attempt past its deadline plus grace is finalized first."""
    if isinstance(cause, _Expired):
        attempt_finalize(attempt_id=attempt_id, now=now, reason=FinalizeReason.REQUEST)
    with transaction.atomic():
        attempt = Attempt.objects.get(pk=attempt_id)
        _event(attempt, EventKind.REFUSED, now, refused=what, state=attempt.state)
    return AttemptClosedError(_closed_message(attempt))


def attempt_answer_save(*, attempt_id: int, position: int, raw, now: datetime.datetime) -> SavedAnswer:
    """Save the learner's answer to one question with the server's time.

    Holding the attempt's row lock orders every save before or after finalization,
    so no answer can slip in once the attempt is scored. Saving the same answer
    again changes nothing (two tabs, retried requests).
    Raises AttemptClosedError once the attempt is closed or past the deadline plus grace,
    InvalidResponse for a malformed value.
    """
    try:
        with transaction.atomic():
            slot = _lock_accepting_slot(attempt_id, position, now)
            attempt = slot.attempt
            response = clean_response(kind=slot.version.kind, options=slot.version.options, raw=raw)
            if response == slot.response:
                return SavedAnswer(slot=slot, changed=False)
            slot.response, slot.answered_at = response, now
            slot.save(update_fields=["response", "answered_at"])
            _event(
                attempt,
                EventKind.ANSWER_SAVED,
                now,
                position=position,
                question=slot.version.question_id,
                version=slot.version_id,
                response=response,
            )
            return SavedAnswer(slot=slot, changed=True)
    except _Closed as exc:
        raise _refusal(attempt_id, now, f"answer to question {position}", exc) from None


def attempt_flag_set(*, attempt_id: int, position: int, flagged: bool, now: datetime.datetime) -> AttemptQuestion:
    try:
        with transaction.atomic():
            slot = _lock_accepting_slot(attempt_id, position, now)
            attempt = slot.attempt
            if slot.flagged != flagged:
                slot.flagged = flagged
                slot.save(update_fields=["flagged"])
                _event(attempt, EventKind.FLAGGED if flagged else EventKind.UNFLAGGED, now, position=position)
            return slot
    except _Closed as exc:
        raise _refusal(attempt_id, now, f"flag on question {position}", exc) from None


def attempt_submit(*, attempt_id: int, now: datetime.datetime) -> bool:
    """The learner's confirmed submit. True if this call finalized the attempt, False if the learner
    had submitted it already (a double submit). Raises AttemptClosedError after the deadline plus
    grace, or when the attempt was closed otherwise (timed out, reset)."""
    try:
        if attempt_finalize(attempt_id=attempt_id, now=now, reason=FinalizeReason.SUBMITTED):
            return True
        if not Attempt.objects.filter(pk=attempt_id, state=AttemptState.SUBMITTED).exists():
            raise _Closed()
        return False
    except _Closed as exc:
        raise _refusal(attempt_id, now, "submit", exc) from None


# --- finalizing -----------------------------------------------------------------------------
def attempt_finalize(*, attempt_id: int, now: datetime.datetime, reason: str) -> bool:
    """Score the attempt from its saved answers and close it, exactly once.

    Any number of callers may race here (submit, the deadline task, the sweep, a
    late request): the row lock serializes them, and only the one that still finds
    the attempt open writes. Returns True for that one. Automatic reasons do
    nothing before the deadline plus grace.
    """
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().select_related("exam").get(pk=attempt_id)
        if not attempt.is_open:
            return False
        if reason != FinalizeReason.SUBMITTED and now < attempt.closes_at:
            return False
        if reason == FinalizeReason.SUBMITTED and now >= attempt.closes_at:
            raise _Expired()
        slots = list(attempt.questions.select_related("version"))
        earned, total = Decimal(0), Decimal(0)
        domains: dict[str, list[Decimal]] = {}
        for slot in slots:
            version = slot.version
            fraction = score_fraction(
                kind=version.kind, options=version.options, key=version.key, response=slot.response
            )
            slot.points_awarded = points_for(points=version.points, fraction=fraction)
            earned += slot.points_awarded
            total += version.points
            bucket = domains.setdefault(version.domain, [Decimal(0), Decimal(0)])
            bucket[0] += slot.points_awarded
            bucket[1] += version.points
        # One UPDATE per distinct score (usually two: full and none) instead of bulk_update's
        # CASE over every slot, which cost the ORM most of a submit's CPU to build.
        by_points: dict[Decimal | None, list[int]] = {}
        for slot in slots:
            by_points.setdefault(slot.points_awarded, []).append(slot.pk)
        for points, slot_ids in by_points.items():
            AttemptQuestion.objects.filter(pk__in=slot_ids).update(points_awarded=points)
        percent = (earned * 100 / total).quantize(Decimal("0.01")) if total else Decimal(0)
        state = AttemptState.SUBMITTED if reason == FinalizeReason.SUBMITTED else AttemptState.TIMED_OUT
        finished_at = now if reason == FinalizeReason.SUBMITTED else attempt.closes_at
        fields = {
            "state": state,
            "finished_at": finished_at,
            "score_points": earned,
            "max_points": total,
            "score_percent": percent,
            "passed": percent >= attempt.pass_mark_percent,
            "domain_breakdown": {
                domain: {
                    "points": str(points),
                    "max": str(most),
                    "percent": str((points * 100 / most).quantize(Decimal("0.01")) if most else Decimal(0)),
                }
                for domain, (points, most) in sorted(domains.items())
            },
        }
        # The conditional update is the last line of defence should a database ignore the row lock.
        if Attempt.objects.filter(pk=attempt.pk, state=AttemptState.OPEN).update(**fields) != 1:
            return False
        if reason == FinalizeReason.SUBMITTED:
            _event(attempt, EventKind.SUBMITTED, now, actor=attempt.user)
        _event(
            attempt,
            EventKind.FINALIZED,
            now,
            reason=reason,
            score_percent=str(percent),
            passed=fields["passed"],
            answered=sum(1 for slot in slots if slot.is_answered),
        )
        user_id, course_id = attempt.user_id, attempt.exam.course_id
        transaction.on_commit(lambda: learner_progressed.send(sender=Attempt, user_id=user_id, course_id=course_id))
    return True


def attempt_close_if_due(*, attempt: Attempt, now: datetime.datetime) -> Attempt:
    """Called on each learner request: finalize an attempt whose time (and grace) ran out.

    Returns `attempt` as it stands afterwards. An attempt that is closed already or still
    before its deadline plus grace (the common case, e.g. every status poll) costs no lock:
    `attempt_finalize` would refuse it anyway, since neither condition can be undone.
    """
    if attempt.is_open and now >= attempt.closes_at:
        attempt_finalize(attempt_id=attempt.id, now=now, reason=FinalizeReason.REQUEST)
        attempt.refresh_from_db(from_queryset=Attempt.objects.select_related("exam__course"))
    return attempt


def attempt_sweep_overdue(*, now: datetime.datetime, limit: int = 500) -> int:
    """Finalize abandoned attempts past their deadline plus grace; returns how many this call closed."""
    overdue = list(
        Attempt.objects.filter(state=AttemptState.OPEN, closes_at__lte=now)
        .order_by("closes_at")
        .values_list("id", flat=True)[:limit]
    )
    closed = 0
    for attempt_id in overdue:
        # attempt_finalize commits each attempt on its own: one that cannot be scored is logged
        # and left open for a person to look at, and every other overdue attempt is still closed.
        try:
            closed += attempt_finalize(attempt_id=attempt_id, now=now, reason=FinalizeReason.SWEEP)
        except Exception:
            logger.exception("the sweep could not finalize attempt %s; it goes on with the others", attempt_id)
    return closed


# --- instructor tools ---------------------------------------------------------------------
def attempt_reset(*, attempt_id: int, by, reason: str, now: datetime.datetime) -> Attempt:
    """Void an attempt: it no longer counts as used, for the cool-down or for the certificate."""
    reason = reason.strip()
    if not reason:
        raise ValueError(gettext("Give a reason for the reset; it is kept in the audit log."))
    refusal = own_record_refusal(
        actor_id=by.pk,
        learner_id=Attempt.objects.values_list("user_id", flat=True).get(pk=attempt_id),
        action=OwnRecordAction.RESET_ATTEMPT,
    )
    if refusal:
        raise ValueError(refusal)
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().select_related("exam").get(pk=attempt_id)
        if attempt.state == AttemptState.VOIDED:
            raise ValueError(gettext("This attempt has already been reset."))
        AttemptReset.objects.create(attempt=attempt, reset_by=by, reason=reason, previous_state=attempt.state, at=now)
        attempt.state = AttemptState.VOIDED
        attempt.save(update_fields=["state"])
        _event(attempt, EventKind.RESET, now, actor=by, reason=reason)
        user_id, course_id = attempt.user_id, attempt.exam.course_id
        transaction.on_commit(lambda: learner_progressed.send(sender=Attempt, user_id=user_id, course_id=course_id))
    return attempt


def accommodation_set(
    *, exam: Exam, user, extra_minutes: int, extra_attempts: int, note: str, by, now: datetime.datetime
) -> Accommodation:
    """Extra time applies to attempts started afterwards, so it cannot change during an open attempt."""
    refusal = own_record_refusal(
        actor_id=by.pk if by else None, learner_id=user.pk, action=OwnRecordAction.SET_ACCOMMODATIONS
    )
    if refusal:
        raise ValueError(refusal)
    with transaction.atomic():
        accommodation = Accommodation.objects.select_for_update().filter(user=user, exam=exam).first()
        current_minutes = accommodation.extra_minutes if accommodation else 0
        if extra_minutes != current_minutes and selectors.attempt_open_for(user=user, exam=exam) is not None:
            raise ValueError(
                gettext("This learner has an attempt in progress; extra time must be set before an attempt starts.")
            )
        accommodation, _ = Accommodation.objects.update_or_create(
            user=user,
            exam=exam,
            defaults={
                "extra_minutes": extra_minutes,
                "extra_attempts": extra_attempts,
                "note": note.strip(),
                "set_by": by,
                "updated_at": now,
            },
        )
    return accommodation


# --- practice --------------------------------------------------------------------------------
def practice_start(*, user, course_id: int, module, now: datetime.datetime) -> PracticeAttempt:
    """A fresh untimed quiz from the module's questions (`module` is a courses.api.ModuleInfo);
    unlimited, never counted toward a certificate."""
    candidates = selectors.question_candidates(course_id=course_id, module_slug=module.slug)
    count = min(module.practice_questions, len(candidates))
    if count == 0:
        raise ExamNotAvailable(gettext("This module has no practice questions yet."))
    seed = secrets.randbits(62)
    drawn = draw_questions(
        candidates=candidates,
        counts={module.slug: count},
        seed=seed,
        seen_question_ids=selectors.practice_seen_by(user=user, module_id=module.id),
    )
    return _practice_create(
        user=user, course_id=course_id, kind=PracticeKind.MODULE, module_id=module.id, seed=seed, drawn=drawn, now=now
    )


def _practice_create(
    *,
    user,
    course_id: int,
    kind: PracticeKind,
    module_id: int | None,
    seed: int,
    drawn: list[DrawnQuestion],
    now: datetime.datetime,
) -> PracticeAttempt:
    with transaction.atomic():
        practice = PracticeAttempt.objects.create(
            user=user, course_id=course_id, kind=kind, module_id=module_id, seed=seed, started_at=now
        )
        PracticeQuestion.objects.bulk_create(
            [
                PracticeQuestion(
                    attempt=practice, position=index, version_id=item.version_id, option_order=list(item.option_order)
                )
                for index, item in enumerate(drawn, start=1)
            ]
        )
    return practice


def practice_answer(*, question: PracticeQuestion, raw, now: datetime.datetime) -> PracticeAnswer:
    """Check a practice answer. The first checked answer stands, so feedback cannot be farmed."""
    version = question.version
    response = clean_response(kind=version.kind, options=version.options, raw=raw)
    if response is None:
        raise InvalidResponse(gettext("Answer the question before checking it."))
    fraction = score_fraction(kind=version.kind, options=version.options, key=version.key, response=response)
    answer, _ = PracticeAnswer.objects.get_or_create(
        question=question,
        defaults={
            "response": response,
            "points_awarded": points_for(points=version.points, fraction=fraction),
            "answered_at": now,
        },
    )
    return answer


WEAK_SPOTS_QUESTIONS = 8


def practice_start_weak_spots(
    *, user, course_id: int, now: datetime.datetime, size: int = WEAK_SPOTS_QUESTIONS
) -> PracticeAttempt:
    """An untimed quiz aimed at the learner's weak spots: missed questions whose review is due
    first, then the weakest domains (see `mastery.py`). Questions the learner met in a
    certification attempt are never drawn, so practice cannot rehearse the exam's items."""
    evidence = selectors.learner_answer_evidence(user_id=user.id, course_id=course_id)
    answered_domains = mastery_by_domain(evidence)
    candidates = selectors.question_candidates(course_id=course_id)
    domains = {candidate.group for candidate in candidates}
    unanswered = (mastery_estimate([]), 0)
    estimates = {domain: answered_domains.get(domain, unanswered)[0] for domain in domains}
    # Weak domains first, weakest leading; mastered ones only fill what is left.
    domain_order = sorted(domains, key=lambda d: (estimates[d] >= MASTERED, estimates[d], d))
    schedule = review_schedule([answer for answer in evidence if not answer.from_exam])
    seed = secrets.randbits(62)
    drawn = draw_weak_spots(
        candidates=candidates,
        domain_order=domain_order,
        due={qid: state.due_at for qid, state in schedule.items() if state.due_at <= now},
        waiting=frozenset(qid for qid, state in schedule.items() if state.due_at > now),
        excluded=frozenset(answer.question_id for answer in evidence if answer.from_exam),
        answered=frozenset(answer.question_id for answer in evidence),
        size=size,
        seed=seed,
    )
    if not drawn:
        raise ExamNotAvailable(gettext("No question is due for review and none is left to practise; come back later."))
    return _practice_create(
        user=user, course_id=course_id, kind=PracticeKind.WEAK_SPOTS, module_id=None, seed=seed, drawn=drawn, now=now
    )
