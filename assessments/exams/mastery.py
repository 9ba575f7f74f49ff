"""How well a learner knows each part of the course, and when a missed question comes back.

Two small, documented models, both computed from the learner's answer history alone (nothing
is stored, so re-reading the history always gives the same answer):

* **Mastery: Bayesian knowledge tracing** (Corbett and Anderson, 1994). For each skill (an
  exam domain, or one lesson section) the estimate is the probability that the learner knows
  it. Every answer updates it: a right answer may be a lucky guess, a wrong one a slip, and
  after each answer there is a chance the learner has just learned the skill.
* **Review schedule: a Leitner system.** Every question the learner has missed goes into
  box 1 and comes back after a day; each later right answer moves it up a box, and each box
  waits twice as long (1, 2, 4, 8, 16 days). A miss sends it back to box 1. A question never
  missed is not scheduled: it is known.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class KnowledgeTracingParameters:
    """The four parameters of knowledge tracing. The defaults are the usual starting values for
    multiple-choice items with three or four options (a quarter to a fifth can be guessed)."""

    prior: float = 0.3  # P(known) before any answer
    learn: float = 0.15  # P(learned) after each answer, if not known before
    guess: float = 0.2  # P(right answer) while not known
    slip: float = 0.1  # P(wrong answer) while known


DEFAULT_PARAMETERS = KnowledgeTracingParameters()

# Days a question waits in each Leitner box before it is due again.
LEITNER_INTERVAL_DAYS = (1, 2, 4, 8, 16)
# At or above this estimate a skill counts as mastered and is not offered as a weak spot.
MASTERED = 0.85


@dataclass(frozen=True)
class AnswerEvidence:
    """One scored answer: which question, which skills it exercises, and whether it was right."""

    question_id: int
    domain: str
    section: str
    correct: bool
    at: datetime.datetime
    from_exam: bool


@dataclass(frozen=True)
class ReviewState:
    question_id: int
    box: int  # 1..len(LEITNER_INTERVAL_DAYS)
    due_at: datetime.datetime


def mastery_update(known: float, *, correct: bool, parameters: KnowledgeTracingParameters) -> float:
    """One step of knowledge tracing: the posterior after this answer, then the chance of learning."""
    if correct:
        evidence_known = known * (1 - parameters.slip)
        posterior = evidence_known / (evidence_known + (1 - known) * parameters.guess)
    else:
        evidence_known = known * parameters.slip
        posterior = evidence_known / (evidence_known + (1 - known) * (1 - parameters.guess))
    return posterior + (1 - posterior) * parameters.learn


def mastery_estimate(outcomes: Iterable[bool], *, parameters: KnowledgeTracingParameters = DEFAULT_PARAMETERS) -> float:
    """P(known) after these answers, given in the order they were made."""
    known = parameters.prior
    for correct in outcomes:
        known = mastery_update(known, correct=correct, parameters=parameters)
    return known


def mastery_by_domain(evidence: Iterable[AnswerEvidence]) -> dict[str, tuple[float, int]]:
    """Each answered domain's (estimate, number of answers), from answers in the order made."""
    outcomes: dict[str, list[bool]] = {}
    for answer in evidence:
        outcomes.setdefault(answer.domain, []).append(answer.correct)
    return {domain: (mastery_estimate(answers), len(answers)) for domain, answers in outcomes.items()}


def review_schedule(evidence: Sequence[AnswerEvidence]) -> dict[int, ReviewState]:
    """The Leitner box and due time of every question the learner has ever missed.

    `evidence` must be in the order the answers were made.
    """
    states: dict[int, ReviewState] = {}
    for answer in evidence:
        state = states.get(answer.question_id)
        if state is None and answer.correct:
            continue  # never missed: nothing to review
        # A right answer moves the question up a box; a miss sends it back to the first.
        box = min(state.box + 1, len(LEITNER_INTERVAL_DAYS)) if answer.correct and state is not None else 1
        due_at = answer.at + datetime.timedelta(days=LEITNER_INTERVAL_DAYS[box - 1])
        states[answer.question_id] = ReviewState(question_id=answer.question_id, box=box, due_at=due_at)
    return states
