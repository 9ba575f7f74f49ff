"""The seeded draw: which question versions an attempt gets, in which order, with which option order.

Pure and deterministic: the same candidates, counts, seed and history always give the
same draw, so a stored seed explains every attempt.
"""

import datetime
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from assessments.models.exams import QuestionKind

_OPTION_SHUFFLED_KINDS = {QuestionKind.SINGLE, QuestionKind.MULTIPLE}


@dataclass(frozen=True)
class Candidate:
    version_id: int
    question_id: int
    external_id: str
    group: str
    kind: str
    option_ids: tuple[str, ...]


@dataclass(frozen=True)
class DrawnQuestion:
    version_id: int
    question_id: int
    option_order: tuple[str, ...]


class DrawError(Exception):
    """The bank cannot fill the requested counts."""


def draw_questions(
    *,
    candidates: Iterable[Candidate],
    counts: Mapping[str, int],
    seed: int,
    seen_question_ids: frozenset[int] = frozenset(),
    shuffle_questions: bool = True,
    shuffle_options: bool = True,
) -> list[DrawnQuestion]:
    """Pick `counts[group]` candidates per group, unseen questions first, each group at random."""
    rng = random.Random(seed)
    by_group: dict[str, list[Candidate]] = {}
    for candidate in sorted(candidates, key=lambda c: c.external_id):
        by_group.setdefault(candidate.group, []).append(candidate)
    picked: list[Candidate] = []
    for group in sorted(counts):
        pool = by_group.get(group, [])
        if len(pool) < counts[group]:
            raise DrawError(f"the bank has {len(pool)} '{group}' questions; {counts[group]} are needed")
        unseen = [c for c in pool if c.question_id not in seen_question_ids]
        seen = [c for c in pool if c.question_id in seen_question_ids]
        rng.shuffle(unseen)
        rng.shuffle(seen)
        chosen = (unseen + seen)[: counts[group]]
        picked.extend(sorted(chosen, key=lambda c: c.external_id) if not shuffle_questions else chosen)
    if shuffle_questions:
        rng.shuffle(picked)
    return [
        DrawnQuestion(
            version_id=c.version_id, question_id=c.question_id, option_order=_option_order(c, rng, shuffle_options)
        )
        for c in picked
    ]


def _option_order(candidate: Candidate, rng: random.Random, shuffle_options: bool) -> tuple[str, ...]:
    order = list(candidate.option_ids)
    if candidate.kind == QuestionKind.ORDERING:
        # The options are written in the correct order, so showing them unshuffled gives the answer away.
        rng.shuffle(order)
        if len(order) > 1 and order == list(candidate.option_ids):
            order = order[1:] + order[:1]
    elif candidate.kind in _OPTION_SHUFFLED_KINDS and shuffle_options:
        rng.shuffle(order)
    return tuple(order)


def draw_weak_spots(
    *,
    candidates: Iterable[Candidate],
    domain_order: Sequence[str],
    due: Mapping[int, datetime.datetime],
    waiting: frozenset[int],
    excluded: frozenset[int],
    answered: frozenset[int],
    size: int,
    seed: int,
) -> list[DrawnQuestion]:
    """A weak-spots quiz: questions due for review first (longest overdue first), then questions
    from the weakest domains in `domain_order`, unanswered ones before ones answered right.

    Never draws an `excluded` question, nor one `waiting` in the review schedule for its
    interval to pass. No domain fills more than half the quiz while another can help fill it.
    """
    rng = random.Random(seed)
    pool = [
        c
        for c in sorted(candidates, key=lambda c: c.external_id)
        if c.question_id not in excluded and c.question_id not in waiting
    ]
    picked = sorted((c for c in pool if c.question_id in due), key=lambda c: (due[c.question_id], c.external_id))
    picked = picked[:size]
    chosen = {c.question_id for c in picked}
    for cap in (max(1, math.ceil(size / 2)), size):
        for domain in domain_order:
            room = min(cap - sum(1 for c in picked if c.group == domain), size - len(picked))
            if room <= 0:
                continue
            fresh = [c for c in pool if c.group == domain and c.question_id not in chosen]
            unanswered = [c for c in fresh if c.question_id not in answered]
            again = [c for c in fresh if c.question_id in answered]
            rng.shuffle(unanswered)
            rng.shuffle(again)
            for candidate in (unanswered + again)[:room]:
                picked.append(candidate)
                chosen.add(candidate.question_id)
    return [
        DrawnQuestion(version_id=c.version_id, question_id=c.question_id, option_order=_option_order(c, rng, True))
        for c in picked
    ]
