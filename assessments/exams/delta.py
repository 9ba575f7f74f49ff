"""Recertification exams: short timed exams drawn only from what changed between two
course versions. They are ordinary `Exam` rows marked by a `DeltaExam`, so attempts,
timing, scoring and review are the exam engine's own."""

import datetime
import re

from django.db import IntegrityError, transaction

from assessments.models.exams import DeltaExam, Exam, ReviewPolicy

from . import selectors

DELTA_QUESTIONS = 8
DELTA_PASS_MARK_PERCENT = 80
DELTA_MINUTES_PER_QUESTION = 2
DELTA_ATTEMPTS = 3
DELTA_COOLDOWN_HOURS = 12


def _slug_part(version: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", version.lower()).strip("-") or "0"


def delta_exam_slug(*, from_version: str, to_version: str) -> str:
    return f"recert-{_slug_part(from_version)}-to-{_slug_part(to_version)}"[:80]


def _blueprint(course_id: int, question_external_ids: list[str], size: int) -> dict[str, int]:
    """Spread `size` questions over the pool's domains in turn, so each changed domain is asked."""
    pool: dict[str, int] = {}
    for candidate in selectors.question_candidates(course_id=course_id, external_ids=question_external_ids):
        pool[candidate.group] = pool.get(candidate.group, 0) + 1
    counts = dict.fromkeys(pool, 0)
    remaining = min(size, sum(pool.values()))
    while remaining:
        for domain in sorted(pool):
            if remaining and counts[domain] < pool[domain]:
                counts[domain] += 1
                remaining -= 1
    return {domain: count for domain, count in counts.items() if count}


def delta_exam_ensure(
    *,
    course_id: int,
    from_version: str,
    to_version: str,
    question_external_ids: list[str],
    now: datetime.datetime,
    size: int = DELTA_QUESTIONS,
) -> Exam | None:
    """The recertification exam from one version to another, created on first use.

    Returns None when the bank has no published question to ask. An existing exam keeps
    its questions: learners may already hold attempts drawn from them.
    """
    slug = delta_exam_slug(from_version=from_version, to_version=to_version)
    existing = Exam.objects.filter(course_id=course_id, slug=slug, delta__isnull=False).first()
    if existing is not None:
        return existing
    blueprint = _blueprint(course_id, question_external_ids, size)
    if not blueprint:
        return None
    count = sum(blueprint.values())
    try:
        with transaction.atomic():
            exam = Exam.objects.create(
                course_id=course_id,
                slug=slug,
                title=f"Recertification exam: what changed from version {from_version} to {to_version}",
                question_count=count,
                time_limit_minutes=count * DELTA_MINUTES_PER_QUESTION,
                blueprint=blueprint,
                pass_mark_percent=DELTA_PASS_MARK_PERCENT,
                attempts_allowed=DELTA_ATTEMPTS,
                cooldown_hours=DELTA_COOLDOWN_HOURS,
                grace_seconds=60,
                shuffle_questions=True,
                shuffle_options=True,
                review=ReviewPolicy.CORRECT_ANSWERS,
            )
            DeltaExam.objects.create(
                exam=exam,
                from_version=from_version,
                to_version=to_version,
                question_external_ids=sorted(question_external_ids),
                created_at=now,
            )
    except IntegrityError:
        # A concurrent request created it first.
        return Exam.objects.get(course_id=course_id, slug=slug, delta__isnull=False)
    return exam
