"""Reads for exams, attempts, results and item statistics."""

import datetime
import functools
import math
import uuid
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext, ngettext

from accounts.api import PersonalDataSection
from assessments.models.exams import (
    Accommodation,
    Attempt,
    AttemptEvent,
    AttemptQuestion,
    AttemptState,
    DeltaExam,
    Exam,
    PracticeAnswer,
    PracticeAttempt,
    PracticeQuestion,
    QuestionVersion,
)
from config.queries import PrecompiledQuery, PrecompiledRecord
from courses.api import (
    ContentStatus,
    CourseInfo,
    lesson_reference_url,
    lesson_title_map,
    localized,
    with_translation,
)

from .draw import Candidate
from .mastery import MASTERED, AnswerEvidence, mastery_by_domain, mastery_estimate, review_schedule

FINALIZED = (AttemptState.SUBMITTED, AttemptState.TIMED_OUT)
# Discrimination below this (a correlation times 100) marks a question for review:
# strong and weak candidates do about equally well on it.
POOR_DISCRIMINATION = 20


def exam_get_published(*, course_slug: str, exam_slug: str) -> Exam:
    return Exam.objects.select_related("course").get(
        slug=exam_slug, course__slug=course_slug, is_published=True, course__is_published=True
    )


def exam_list_published(*, course_id: int) -> QuerySet[Exam]:
    return Exam.objects.filter(course_id=course_id, is_published=True, delta__isnull=True).order_by("title")


def question_candidates(
    *,
    course_id: int,
    domains: set[str] | None = None,
    module_slug: str | None = None,
    external_ids: Collection[str] | None = None,
) -> list[Candidate]:
    """The current version of every published question, ready for the draw."""
    versions = QuestionVersion.objects.filter(
        question__course_id=course_id, question__is_published=True, question__current_version_id=F("id")
    )
    if external_ids:
        versions = versions.filter(question__external_id__in=external_ids)
    if domains is not None:
        versions = versions.filter(domain__in=domains)
    if module_slug is not None:
        versions = versions.filter(module_slug=module_slug)
    rows = versions.values_list(
        "id", "question_id", "question__external_id", "domain", "module_slug", "kind", "options"
    )
    return [
        Candidate(
            version_id=vid,
            question_id=qid,
            external_id=external_id,
            group=module if module_slug is not None else domain,
            kind=kind,
            option_ids=tuple(str(option["id"]) for option in options),
        )
        for vid, qid, external_id, domain, module, kind, options in rows
    ]


def exam_question_restriction(*, exam: Exam) -> list[str] | None:
    """The questions a recertification exam may draw from; None for an exam of the content tree."""
    delta = DeltaExam.objects.filter(exam=exam).first()
    return list(delta.question_external_ids) if delta else None


def questions_seen_by(*, user, course_id: int) -> frozenset[int]:
    return frozenset(
        AttemptQuestion.objects.filter(attempt__user=user, attempt__exam__course_id=course_id).values_list(
            "version__question_id", flat=True
        )
    )


def practice_seen_by(*, user, module_id: int) -> frozenset[int]:
    return frozenset(
        PracticeQuestion.objects.filter(attempt__user=user, attempt__module_id=module_id).values_list(
            "version__question_id", flat=True
        )
    )


# --- eligibility ------------------------------------------------------------------------
@dataclass(frozen=True)
class Eligibility:
    can_start: bool
    reason: str
    attempts_used: int
    attempts_allowed: int
    extra_minutes: int
    next_start_at: datetime.datetime | None
    open_attempt: Attempt | None

    @property
    def attempts_left(self) -> int:
        return max(0, self.attempts_allowed - self.attempts_used)


def attempt_open_for(*, user, exam: Exam) -> Attempt | None:
    return Attempt.objects.filter(user=user, exam=exam, state=AttemptState.OPEN).first()


def exam_eligibility(*, user, exam: Exam, now: datetime.datetime) -> Eligibility:
    accommodation = Accommodation.objects.filter(user=user, exam=exam).first()
    extra_minutes = accommodation.extra_minutes if accommodation else 0
    allowed = exam.attempts_allowed + (accommodation.extra_attempts if accommodation else 0)
    counted = Attempt.objects.filter(user=user, exam=exam).exclude(state=AttemptState.VOIDED)
    used = counted.count()
    open_attempt = counted.filter(state=AttemptState.OPEN).first()
    last_finish = (
        counted.filter(state__in=FINALIZED).order_by("-finished_at").values_list("finished_at", flat=True).first()
    )
    next_start = last_finish + datetime.timedelta(hours=float(exam.cooldown_hours)) if last_finish else None

    def result(can_start: bool, reason: str) -> Eligibility:
        return Eligibility(
            can_start=can_start,
            reason=reason,
            attempts_used=used,
            attempts_allowed=allowed,
            extra_minutes=extra_minutes,
            next_start_at=next_start,
            open_attempt=open_attempt,
        )

    if open_attempt is not None:
        return result(
            True, gettext("You have an attempt in progress; continuing resumes it with the time it has left.")
        )
    if used >= allowed:
        return result(
            False,
            ngettext(
                "You have used your %(count)s attempt at this exam.",
                "You have used all %(count)s attempts at this exam.",
                allowed,
            )
            % {"count": allowed},
        )
    if next_start is not None and now < next_start:
        return result(
            False,
            gettext("The next attempt can start after the cool-down, at %(at)s UTC.")
            % {"at": f"{next_start:%Y-%m-%d %H:%M}"},
        )
    return result(True, "")


# --- attempts ---------------------------------------------------------------------------
def attempt_get_for_user(*, public_id, user) -> Attempt:
    """Only the learner's own attempt: anyone else gets DoesNotExist (a 404, not a 403, so ids leak nothing)."""
    return Attempt.objects.select_related("exam__course").get(public_id=public_id, user=user)


def attempt_get(*, public_id) -> Attempt:
    return Attempt.objects.select_related("exam__course", "user").get(public_id=public_id)


# --- question text in the learner's language ----------------------------------------------
@dataclass(frozen=True)
class QuestionText:
    """A question version's text as the learner reads it: its current translation into the page's
    language when there is one (QuestionTranslation), otherwise the English. Option ids, order and
    the key are the version's whatever the language, so grading never depends on it."""

    stem_html: str
    explanation_html: str
    option_html: dict
    content_status: str
    content_language: str


_QUESTION_TEXT = ("stem_html", "explanation_html", "option_html")


def _with_question_text(slots: QuerySet, language: str | None) -> QuerySet:
    """The slot's translation joined into the query that loads it: no extra query per page."""
    return with_translation(
        slots,
        relation="version__translations",
        alias="tq",
        fields=_QUESTION_TEXT,
        language=language,
        status_field="id",
    )


def _shown_with_text(slot, language: str | None):
    version = slot.version
    english = {str(option["id"]): option["html"] for option in version.options}
    if language is None:
        status = ContentStatus.SOURCE
    elif getattr(slot, "tq_id", None) is None:
        status = ContentStatus.MISSING
    else:
        status = ContentStatus.TRANSLATED
    translated = status == ContentStatus.TRANSLATED
    slot.question_text = QuestionText(
        stem_html=slot.tq_stem_html if translated else version.stem_html,
        explanation_html=slot.tq_explanation_html if translated else version.explanation_html,
        option_html={**english, **(slot.tq_option_html if translated else {})},
        content_status=status,
        content_language=language or "en",
    )
    return slot


def attempt_slots(*, attempt: Attempt, language: str | None = None) -> list[AttemptQuestion]:
    slots = _with_question_text(attempt.questions.select_related("version__question").order_by("position"), language)
    return [_shown_with_text(slot, language) for slot in slots]


# --- the exam's hot paths: each learner loads every question, saves every answer and polls ----
@dataclass(frozen=True)
class NavigatorItem:
    """What the question navigator shows of one slot, without loading its question."""

    position: int
    is_answered: bool
    flagged: bool


def attempt_navigator(*, attempt: Attempt) -> list[NavigatorItem]:
    return [
        NavigatorItem(position=position, is_answered=answered, flagged=flagged)
        for position, answered, flagged in _NAVIGATOR.rows(attempt_id=attempt.id)
    ]


_NAVIGATOR = PrecompiledQuery(
    lambda attempt_id: (
        AttemptQuestion.objects.filter(attempt_id=attempt_id)
        .annotate(answered=Q(response__isnull=False))
        .order_by("position")
        .values_list("position", "answered", "flagged")
    ),
    attempt_id=-7_319_002,
)


def attempt_slot(*, attempt_id: int, position: int, language: str | None = None) -> AttemptQuestion:
    """Raises AttemptQuestion.DoesNotExist."""
    return _shown_with_text(_slot_query(language).get(attempt_id=attempt_id, position=position), language)


@functools.cache
def _slot_query(language: str | None) -> PrecompiledRecord[AttemptQuestion]:
    """One compiled query per content language: the language is a constant of its join."""
    return PrecompiledRecord(
        lambda attempt_id, position: _with_question_text(
            AttemptQuestion.objects.select_related("version").filter(attempt_id=attempt_id, position=position),
            language,
        ),
        attempt_id=-7_319_006,
        position=32_707,  # within the column's range, which Django checks
    )


@dataclass(frozen=True)
class AnswerTarget:
    """What saving an answer or a flag needs before the service takes the attempt's lock:
    the question's kind and options parse the form; templates read `public_id` like an attempt's."""

    attempt_id: int
    public_id: uuid.UUID
    position: int
    kind: str
    options: tuple


def attempt_answer_target(*, public_id, user_id: int, position: int) -> AnswerTarget:
    """One question of the learner's own attempt. Raises AttemptQuestion.DoesNotExist.

    Every autosave asks for it, and none of it ever changes (a slot keeps its attempt, owner
    and question version), so each process keeps the targets it has read."""
    return _answer_target(public_id, user_id, position)


@functools.lru_cache(maxsize=4096)
def _answer_target(public_id, user_id: int, position: int) -> AnswerTarget:
    # Under load each learner saves each question about once, so most saves miss the cache
    # above and read the target: with SQL compiled once.
    row = _ANSWER_TARGET.first(public_id=public_id, user_id=user_id, position=position)
    if row is None:
        raise AttemptQuestion.DoesNotExist
    attempt_id, kind, options = row
    return AnswerTarget(
        attempt_id=attempt_id, public_id=public_id, position=position, kind=kind, options=tuple(options)
    )


_ANSWER_TARGET = PrecompiledQuery(
    lambda public_id, user_id, position: (
        AttemptQuestion.objects.filter(attempt__public_id=public_id, attempt__user_id=user_id, position=position)
        .order_by("pk")
        .values_list("attempt_id", "version__kind", "version__options")[:1]
    ),
    public_id=uuid.UUID(int=0x5EED_0003),
    user_id=-7_319_008,
    position=32_708,  # within the column's range, which Django checks
)


def attempt_get_for_page(*, public_id, user) -> Attempt:
    """The learner's own attempt with its exam (the question page shows the exam's title only)."""
    return _ATTEMPT_FOR_PAGE.get(public_id=public_id, user_id=user.id)


_ATTEMPT_FOR_PAGE = PrecompiledRecord(
    lambda public_id, user_id: Attempt.objects.select_related("exam").filter(public_id=public_id, user_id=user_id),
    public_id=uuid.UUID(int=0x5EED_0002),
    user_id=-7_319_005,
)


@dataclass(frozen=True)
class AttemptStatus:
    state: str
    remaining_seconds: int
    answered: int
    total: int
    deadline: datetime.datetime
    closes_at: datetime.datetime

    @property
    def remaining_display(self) -> str:
        """The countdown as the page shows it before JavaScript takes over: m:ss or h:mm:ss."""
        hours, rest = divmod(self.remaining_seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"

    def is_due(self, now: datetime.datetime) -> bool:
        """Still open past its deadline plus grace: the request must finalize it before answering."""
        return self.state == AttemptState.OPEN and now >= self.closes_at

    def as_json(self) -> dict:
        return {
            "state": self.state,
            "remaining_seconds": self.remaining_seconds,
            "answered": self.answered,
            "total": self.total,
            "deadline": self.deadline.isoformat(),
            "closes_at": self.closes_at.isoformat(),
        }


def _remaining_seconds(*, state: str, deadline: datetime.datetime, now: datetime.datetime) -> int:
    return max(0, math.floor((deadline - now).total_seconds())) if state == AttemptState.OPEN else 0


def attempt_remaining_seconds(*, attempt: Attempt, now: datetime.datetime) -> int:
    """Whole seconds to the deadline (not counting the grace); 0 once it passed or the attempt closed."""
    return _remaining_seconds(state=attempt.state, deadline=attempt.deadline, now=now)


def attempt_status(
    *, attempt: Attempt, now: datetime.datetime, navigator: list[NavigatorItem] | None = None
) -> AttemptStatus:
    """Pass the page's `navigator` when it is loaded anyway: the counts then cost no query."""
    if navigator is None:
        counts = attempt.questions.aggregate(total=Count("id"), answered=Count("id", filter=Q(response__isnull=False)))
    else:
        counts = {"total": len(navigator), "answered": sum(item.is_answered for item in navigator)}
    return AttemptStatus(
        state=attempt.state,
        remaining_seconds=attempt_remaining_seconds(attempt=attempt, now=now),
        answered=counts["answered"],
        total=counts["total"],
        deadline=attempt.deadline,
        closes_at=attempt.closes_at,
    )


def attempt_status_for_user(*, public_id, user_id: int, now: datetime.datetime) -> AttemptStatus:
    """The status poll's answer for the learner's own attempt: its clock and counts in one
    precompiled query, without model instances. Raises Attempt.DoesNotExist."""
    row = _STATUS_FOR_USER.first(public_id=public_id, user_id=user_id)
    if row is None:
        raise Attempt.DoesNotExist
    state, deadline, closes_at, total, answered = row
    return AttemptStatus(
        state=state,
        remaining_seconds=_remaining_seconds(state=state, deadline=deadline, now=now),
        answered=answered,
        total=total,
        deadline=deadline,
        closes_at=closes_at,
    )


_STATUS_FOR_USER = PrecompiledQuery(
    lambda public_id, user_id: (
        Attempt.objects.filter(public_id=public_id, user_id=user_id)
        .values("state", "deadline", "closes_at")
        .annotate(total=Count("questions"), answered=Count("questions", filter=Q(questions__response__isnull=False)))
        .values_list("state", "deadline", "closes_at", "total", "answered")
    ),
    public_id=uuid.UUID(int=0x5EED_0001),
    user_id=-7_319_001,
)


def attempt_events(*, attempt: Attempt) -> QuerySet[AttemptEvent]:
    return attempt.events.select_related("actor").order_by("at", "id")


def attempt_list_for_user(*, user, exam: Exam) -> QuerySet[Attempt]:
    return Attempt.objects.filter(user=user, exam=exam).order_by("-number")


def attempt_best(*, user_id: int, exam: Exam) -> Attempt | None:
    """Best attempt counts: the highest score, the earliest such attempt on a tie."""
    return (
        Attempt.objects.filter(user_id=user_id, exam=exam, state__in=FINALIZED)
        .order_by("-score_percent", "finished_at", "id")
        .first()
    )


def accommodation_list(*, exam: Exam) -> QuerySet[Accommodation]:
    return exam.accommodations.select_related("user", "set_by").order_by("user__email")


def exam_results(*, exam: Exam) -> QuerySet[Attempt]:
    return Attempt.objects.filter(exam=exam).select_related("user").order_by("-started_at", "-id")


def exam_results_rows(*, exam: Exam) -> Iterator[list]:
    """The results export: a header row, then one row per attempt, newest first."""
    domains = sorted(exam.blueprint)
    yield [
        "learner_email",
        "learner_name",
        "attempt",
        "state",
        "started_at",
        "finished_at",
        "extra_minutes",
        "score_percent",
        "passed",
        "test_mode",
        *[f"{d}_percent" for d in domains],
    ]
    for attempt in exam_results(exam=exam).iterator():
        yield [
            attempt.user.email,
            attempt.user.display_name,
            attempt.number,
            attempt.state,
            attempt.started_at.isoformat(),
            attempt.finished_at.isoformat() if attempt.finished_at else "",
            attempt.extra_minutes,
            attempt.score_percent if attempt.score_percent is not None else "",
            "" if attempt.passed is None else ("yes" if attempt.passed else "no"),
            attempt.test_mode,
            *[attempt.domain_breakdown.get(d, {}).get("percent", "") for d in domains],
        ]


# --- item statistics ------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemStatistic:
    version: QuestionVersion
    times_shown: int
    scored: int
    facility: float | None
    discrimination: float | None

    @property
    def is_poor(self) -> bool:
        return self.discrimination is not None and self.discrimination < POOR_DISCRIMINATION


def _correlation(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 2:
        return None
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mean_x) ** 2 for x in xs)
    syy = sum((y - mean_y) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def item_statistics(*, exam: Exam) -> list[ItemStatistic]:
    """Per question version, over finalized attempts: facility (mean share of the points, in %)
    and discrimination (100 x correlation of the item's share with the rest of the test's points)."""
    slots = (
        AttemptQuestion.objects.filter(attempt__exam=exam)
        .exclude(attempt__state=AttemptState.VOIDED)
        .values_list("version_id", "attempt__state", "points_awarded", "version__points", "attempt__score_points")
    )
    shown: dict[int, int] = {}
    pairs: dict[int, tuple[list[float], list[float]]] = {}
    for version_id, state, awarded, points, total in slots:
        shown[version_id] = shown.get(version_id, 0) + 1
        if state in FINALIZED and awarded is not None:
            xs, ys = pairs.setdefault(version_id, ([], []))
            xs.append(float(Decimal(awarded) / Decimal(points)))
            ys.append(float(Decimal(total or 0) - Decimal(awarded)))
    versions = (
        QuestionVersion.objects.filter(id__in=shown)
        .select_related("question")
        .order_by("question__external_id", "number")
    )
    stats = []
    for version in versions:
        xs, ys = pairs.get(version.id, ([], []))
        correlation = _correlation(xs, ys)
        stats.append(
            ItemStatistic(
                version=version,
                times_shown=shown[version.id],
                scored=len(xs),
                facility=round(100 * sum(xs) / len(xs), 1) if xs else None,
                discrimination=round(100 * correlation, 1) if correlation is not None else None,
            )
        )
    return stats


# --- practice ------------------------------------------------------------------------------
def practice_get_for_user(*, public_id, user, language: str | None = None) -> PracticeAttempt:
    """The learner's own practice quiz; with a `language`, its module titled in it where translated."""
    practices = with_translation(
        PracticeAttempt.objects.select_related("course", "module"),
        relation="module__translations",
        alias="tm",
        fields=("title",),
        language=language,
    )
    practice = practices.get(public_id=public_id, user=user)
    if practice.module is not None:
        localized(practice.module, alias="tm", fields=("title",), language=language, annotated=practice)
    return practice


def practice_slots(*, practice: PracticeAttempt, language: str | None = None) -> list[PracticeQuestion]:
    slots = _with_question_text(practice.questions.select_related("version", "answer").order_by("position"), language)
    return [_shown_with_text(slot, language) for slot in slots]


# --- mastery and weak spots -----------------------------------------------------------------
@dataclass(frozen=True)
class SectionMastery:
    reference: str  # module-slug/lesson-slug#anchor
    lesson_title: str
    url: str
    estimate: float
    answered: int

    @property
    def heading(self) -> str:
        """The section's heading as its anchor spells it ("sending-images" -> "sending images")."""
        return self.reference.partition("#")[2].replace("-", " ")


@dataclass(frozen=True)
class DomainMastery:
    domain: str
    label: str
    estimate: float
    answered: int
    sections_to_review: tuple[SectionMastery, ...]

    @property
    def percent(self) -> int:
        return round(self.estimate * 100)

    @property
    def mastered(self) -> bool:
        return self.estimate >= MASTERED


@dataclass(frozen=True)
class MasteryOverview:
    domains: tuple[DomainMastery, ...]  # weakest first
    answered: int
    reviews_due: int
    next_review_at: datetime.datetime | None

    @property
    def weak_domains(self) -> tuple[DomainMastery, ...]:
        return tuple(domain for domain in self.domains if not domain.mastered)


def learner_answer_evidence(*, user_id: int, course_id: int) -> list[AnswerEvidence]:
    """Every scored answer of the learner in the course, practice and finalized exams, oldest first."""
    fields = ("question_id", "domain", "lesson_ref", "points")
    practice = PracticeAnswer.objects.filter(
        question__attempt__user_id=user_id, question__attempt__course_id=course_id
    ).values_list(*(f"question__version__{name}" for name in fields), "points_awarded", "answered_at")
    exam = AttemptQuestion.objects.filter(
        attempt__user_id=user_id,
        attempt__exam__course_id=course_id,
        attempt__state__in=FINALIZED,
        answered_at__isnull=False,
        points_awarded__isnull=False,
    ).values_list(*(f"version__{name}" for name in fields), "points_awarded", "answered_at")
    evidence = [
        AnswerEvidence(
            question_id=question_id,
            domain=domain,
            section=section,
            correct=awarded >= points,
            at=at,
            from_exam=from_exam,
        )
        for rows, from_exam in ((practice, False), (exam, True))
        for question_id, domain, section, points, awarded, at in rows
    ]
    return sorted(evidence, key=lambda answer: answer.at)


def mastery_overview(*, user_id: int, course: CourseInfo, now: datetime.datetime) -> MasteryOverview:
    """Mastery per domain (weakest first) with the lesson sections to re-read, and the review queue.

    Every domain named in the course's `domains` appears, answered or not.
    """
    domain_labels: dict[str, str] = course.metadata.get("domains") or {}
    lesson_titles = lesson_title_map(course_id=course.id)
    evidence = learner_answer_evidence(user_id=user_id, course_id=course.id)
    by_domain = mastery_by_domain(evidence)
    by_section: dict[tuple[str, str], list[bool]] = {}
    for answer in evidence:
        by_section.setdefault((answer.domain, answer.section), []).append(answer.correct)
    # Sections worth re-reading: missed at least once and not mastered since.
    weak_sections: dict[str, list[SectionMastery]] = {}
    for (domain, section), outcomes in by_section.items():
        estimate = mastery_estimate(outcomes)
        if estimate < MASTERED and not all(outcomes):
            weak_sections.setdefault(domain, []).append(
                SectionMastery(
                    reference=section,
                    lesson_title=lesson_titles.get(section.partition("#")[0], section),
                    url=lesson_reference_url(course_slug=course.slug, reference=section),
                    estimate=estimate,
                    answered=len(outcomes),
                )
            )
    domains = []
    for domain in sorted(set(domain_labels) | set(by_domain)):
        estimate, answered = by_domain.get(domain, (mastery_estimate([]), 0))
        sections = sorted(weak_sections.get(domain, []), key=lambda s: (s.estimate, s.reference))
        domains.append(
            DomainMastery(
                domain=domain,
                label=domain_labels.get(domain, domain),
                estimate=estimate,
                answered=answered,
                sections_to_review=tuple(sections[:3]),
            )
        )
    schedule = review_schedule([answer for answer in evidence if not answer.from_exam])
    return MasteryOverview(
        domains=tuple(sorted(domains, key=lambda d: (d.estimate, d.domain))),
        answered=len(evidence),
        reviews_due=sum(1 for state in schedule.values() if state.due_at <= now),
        next_review_at=min((s.due_at for s in schedule.values() if s.due_at > now), default=None),
    )


def _exported_answers(attempt: Attempt) -> list[dict[str, object]] | None:
    """The learner's answers as the result page shows them: none once submitted to an exam that
    shows the score only, and the points per question only where it shows the correct answers."""
    finished = attempt.state != AttemptState.OPEN
    if attempt.state == AttemptState.VOIDED or (finished and not attempt.exam.shows_answers_after_submit):
        return None
    with_points = finished and attempt.exam.shows_correct_answers
    return [
        {
            "position": slot.position,
            "question": slot.version.question.external_id,
            "answer": slot.response,
            "answered_at": slot.answered_at,
            **({"points": slot.points_awarded, "of_points": slot.version.points} if with_points else {}),
        }
        for slot in attempt.questions.all()
    ]


def personal_data_sections(*, user_id: int) -> list[PersonalDataSection]:
    """The learner's exam attempts, practice quizzes and exam accommodations, for their data export."""
    attempts = (
        Attempt.objects.filter(user_id=user_id)
        .select_related("exam__course")
        .prefetch_related("questions__version__question")
        .order_by("started_at", "id")
    )
    practice = (
        PracticeAttempt.objects.filter(user_id=user_id)
        .select_related("course", "module")
        .prefetch_related("questions__version__question", "questions__answer")
        .order_by("started_at", "id")
    )
    accommodations = Accommodation.objects.filter(user_id=user_id).select_related("exam__course").order_by("id")
    return [
        PersonalDataSection(
            key="exam_attempts",
            about=(
                "Your exam attempts with their times, score and result; your answers where the exam "
                "shows them after submitting, and the points per question where it shows the correct answers."
            ),
            records=tuple(
                {
                    "course": attempt.exam.course.slug,
                    "exam": attempt.exam.slug,
                    "attempt": attempt.number,
                    "state": attempt.state,
                    "started_at": attempt.started_at,
                    "deadline": attempt.deadline,
                    "finished_at": attempt.finished_at,
                    "score_percent": attempt.score_percent,
                    "pass_mark_percent": attempt.pass_mark_percent,
                    "passed": attempt.passed,
                    "score_by_domain": attempt.domain_breakdown,
                    "test_mode": attempt.test_mode,
                    "answers": _exported_answers(attempt),
                }
                for attempt in attempts
            ),
        ),
        PersonalDataSection(
            key="practice_quizzes",
            about="Your practice quizzes: each question you answered, your answer and the points it earned.",
            records=tuple(
                {
                    "course": quiz.course.slug,
                    "module": quiz.module.slug if quiz.module else None,
                    "kind": quiz.kind,
                    "started_at": quiz.started_at,
                    "answers": [
                        {
                            "position": question.position,
                            "question": question.version.question.external_id,
                            "answer": question.answer.response,
                            "points": question.answer.points_awarded,
                            "answered_at": question.answer.answered_at,
                        }
                        for question in quiz.questions.all()
                        if hasattr(question, "answer")
                    ],
                }
                for quiz in practice
            ),
        ),
        PersonalDataSection(
            key="exam_accommodations",
            about="Extra time or attempts an instructor granted you for an exam.",
            records=tuple(
                {
                    "course": accommodation.exam.course.slug,
                    "exam": accommodation.exam.slug,
                    "extra_minutes": accommodation.extra_minutes,
                    "extra_attempts": accommodation.extra_attempts,
                    "updated_at": accommodation.updated_at,
                }
                for accommodation in accommodations
            ),
        ),
    ]
