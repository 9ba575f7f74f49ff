"""The seeded draw: which question versions an attempt gets, in which order, with which option order.

Pure and deterministic: the same candidates, counts, seed and history always give the
same draw, so a stored seed explains every attempt.
"""

import random
from collections.abc import Iterable, Mapping
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
