"""Psychometric lint of a question bank: can a candidate pass on test-wiseness alone?

Three rules (documented in content/README.md):

- A test-wise guesser, who answers each single-choice item from surface cues only (the longest
  option, the most specific option, an "all of the above" option, the option repeating the
  stem's words), must score at most `GUESSER_LIMIT` across the bank.
- In no domain may the keys sit in one option position more often than chance allows (a
  one-sided binomial test per position, Bonferroni-corrected over the positions).
- Every choice item has at least three plausible options: none shorter than a third of the key.

`sync_content` reports the findings as warnings; the content tests fail on them.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

GUESSER_LIMIT = 0.35
POSITION_ALPHA = 0.05
MIN_OPTIONS = 3
MIN_LENGTH_SHARE = 1 / 3

_CATCH_ALL = re.compile(r"\b(all|both|none|neither) of (the )?(above|these|options|answers)\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z][a-z0-9_.-]*[a-z0-9]|[a-z]", re.IGNORECASE)
_CODE_SPAN = re.compile(r"`[^`]+`")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Hedges that item writers add to make a key defensible, which test-wise candidates learn to spot.
_QUALIFIER = re.compile(
    r"\b(usually|often|typically|generally|may|might|can|some|most|unless|only if|except|depends|if)\b",
    re.IGNORECASE,
)
_STOPWORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "from",
        "by",
        "at",
        "as",
        "is",
        "are",
        "be",
        "was",
        "were",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "which",
        "what",
        "when",
        "where",
        "who",
        "why",
        "how",
        "does",
        "do",
        "did",
        "your",
        "you",
        "not",
        "no",
        "than",
        "then",
        "into",
        "each",
        "every",
        "one",
        "only",
        "should",
        "would",
        "could",
        "will",
        "must",
    ]
)


@dataclass(frozen=True)
class LintItem:
    """One choice question, as the lint needs it."""

    external_id: str
    domain: str
    kind: str
    stem: str
    options: tuple[tuple[str, bool], ...]  # (text, correct) in file order
    where: str  # "path:line" for messages


@dataclass(frozen=True)
class LintFinding:
    where: str
    message: str


@dataclass(frozen=True)
class BankLint:
    guesser_score: float  # expected share of single-choice items the test-wise guesser gets right
    single_items: int
    findings: tuple[LintFinding, ...]

    @property
    def passed(self) -> bool:
        return not self.findings


def _content_words(text: str) -> set[str]:
    return {word.lower() for word in _WORD.findall(text) if len(word) > 3 and word.lower() not in _STOPWORDS}


def _length(text: str) -> int:
    return len(" ".join(text.split()))


def _specificity(text: str) -> int:
    return len(_CODE_SPAN.findall(text)) + len(_NUMBER.findall(text)) + len(_QUALIFIER.findall(text))


def _strict_max(values: Sequence[int | float]) -> int | None:
    """Index of the single largest value, or None when it is shared (no cue)."""
    top = max(values)
    winners = [index for index, value in enumerate(values) if value == top]
    return winners[0] if len(winners) == 1 and top > 0 else None


def option_cues(*, stem: str, options: Sequence[str]) -> list[int]:
    """How many test-wise cues point at each option; a catch-all option outweighs the others."""
    stem_words = _content_words(stem)
    cues = [0] * len(options)
    for rule in (
        [_length(text) for text in options],
        [_specificity(text) for text in options],
        [len(_content_words(text) & stem_words) for text in options],
    ):
        winner = _strict_max(rule)
        if winner is not None:
            cues[winner] += 1
    for index, text in enumerate(options):
        if _CATCH_ALL.search(text):
            cues[index] += 3
    return cues


def guesser_expected_score(*, stem: str, options: Sequence[tuple[str, bool]]) -> float:
    """The chance that a guesser who picks among the most-cued options at random hits the key."""
    cues = option_cues(stem=stem, options=[text for text, _ in options])
    top = max(cues)
    picks = [index for index, cue in enumerate(cues) if cue == top]
    return sum(1 for index in picks if options[index][1]) / len(picks)


def _poisson_binomial_tail(probabilities: Sequence[float], at_least: int) -> float:
    """P(X >= at_least) where X counts successes of independent trials with these probabilities."""
    distribution = [1.0]
    for p in probabilities:
        step = [0.0] * (len(distribution) + 1)
        for successes, mass in enumerate(distribution):
            step[successes] += mass * (1 - p)
            step[successes + 1] += mass * p
        distribution = step
    return sum(distribution[at_least:])


def _position_findings(items: Sequence[LintItem]) -> list[LintFinding]:
    findings = []
    singles = [item for item in items if item.kind == "single"]
    for domain in sorted({item.domain for item in singles}):
        in_domain = [item for item in singles if item.domain == domain]
        widest = max(len(item.options) for item in in_domain)
        for position in range(widest):
            trials = [1 / len(item.options) for item in in_domain if position < len(item.options)]
            hits = sum(1 for item in in_domain if position < len(item.options) and item.options[position][1])
            p_value = _poisson_binomial_tail(trials, hits)
            if hits and p_value < POSITION_ALPHA / widest:
                findings.append(
                    LintFinding(
                        where=f"domain {domain}",
                        message=(
                            f"{hits} of {len(trials)} single-choice keys sit in option position {position + 1} "
                            f"(p = {p_value:.4f}; more than chance allows)"
                        ),
                    )
                )
    return findings


def _plausibility_findings(item: LintItem) -> list[LintFinding]:
    if item.kind not in {"single", "multiple"}:
        return []
    findings = []
    if len(item.options) < MIN_OPTIONS:
        findings.append(LintFinding(item.where, f"{item.external_id}: needs at least {MIN_OPTIONS} options"))
    key_lengths = [_length(text) for text, correct in item.options if correct]
    if not key_lengths:
        return findings
    key_length = sum(key_lengths) / len(key_lengths)
    for text, correct in item.options:
        if not correct and _length(text) < key_length * MIN_LENGTH_SHARE:
            findings.append(
                LintFinding(
                    item.where,
                    f"{item.external_id}: option '{text}' is under a third of the key's length (implausible)",
                )
            )
    return findings


def bank_lint(*, items: Sequence[LintItem], guesser_limit: float = GUESSER_LIMIT) -> BankLint:
    """Apply the three rules to a whole bank; an empty bank passes with a score of 0."""
    singles = [item for item in items if item.kind == "single"]
    scores = [guesser_expected_score(stem=item.stem, options=item.options) for item in singles]
    score = sum(scores) / len(scores) if scores else 0.0
    findings: list[LintFinding] = []
    if score > guesser_limit + 1e-9:
        findings.append(
            LintFinding(
                where="question bank",
                message=(
                    f"a test-wise guesser scores {score:.1%} on the {len(singles)} single-choice items "
                    f"(limit {guesser_limit:.0%})"
                ),
            )
        )
    findings.extend(_position_findings(items))
    for item in items:
        findings.extend(_plausibility_findings(item))
    return BankLint(guesser_score=score, single_items=len(singles), findings=tuple(findings))
