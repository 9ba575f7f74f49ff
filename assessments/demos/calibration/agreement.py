"""How well a judge agrees with instructors' labels: pure functions over pass/fail pairs.

Cohen's kappa for two raters and two categories (pass, fail):

    p_o = share of pairs where both say the same
    p_e = p_label(pass) * p_judge(pass) + p_label(fail) * p_judge(fail)
    kappa = (p_o - p_e) / (1 - p_e)

When p_e is 1 both raters gave one and the same verdict to everything, so they agree
perfectly and kappa is taken as 1 (the formula would divide by zero).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


def cohen_kappa(pairs: Sequence[tuple[bool, bool]]) -> float | None:
    """Kappa of (label passed, judge passed) pairs; None when there is no pair."""
    if not pairs:
        return None
    count = len(pairs)
    observed = sum(label == judge for label, judge in pairs) / count
    label_pass = sum(label for label, _ in pairs) / count
    judge_pass = sum(judge for _, judge in pairs) / count
    expected = label_pass * judge_pass + (1 - label_pass) * (1 - judge_pass)
    if expected >= 1:
        return 1.0
    return (observed - expected) / (1 - expected)


@dataclass(frozen=True)
class JudgedExample:
    """One calibration example: the instructor's label and the judge's verdict per criterion."""

    key: str
    kind: str  # good | near-miss | attack | poor
    labels: Mapping[str, bool]
    verdicts: Mapping[str, bool]


@dataclass(frozen=True)
class CriterionAgreement:
    criterion: str
    pairs: int
    agreement: float  # share of examples where judge and label agree
    kappa: float | None
    false_pass: int
    false_fail: int


@dataclass(frozen=True)
class Disagreement:
    example: str
    kind: str
    criterion: str
    label: bool
    judge: bool


@dataclass(frozen=True)
class AgreementReport:
    examples: int
    pairs: int
    agreement: float | None
    kappa: float | None  # over every (example, criterion) pair of the task
    false_pass: int  # the judge passed what the instructor failed
    false_fail: int
    attack_false_pass: int  # false passes on examples labelled "attack"
    criteria: tuple[CriterionAgreement, ...]
    disagreements: tuple[Disagreement, ...]

    def to_json(self) -> dict:
        return {
            "examples": self.examples,
            "pairs": self.pairs,
            "agreement": self.agreement,
            "kappa": self.kappa,
            "false_pass": self.false_pass,
            "false_fail": self.false_fail,
            "attack_false_pass": self.attack_false_pass,
        }


def agreement_report(examples: Sequence[JudgedExample], criteria: Sequence[str]) -> AgreementReport:
    """Agreement per criterion (in `criteria` order) and over all of them; a criterion an
    example has no label or verdict for is left out of that example's pairs."""
    rows = [
        (example, criterion, example.labels[criterion], example.verdicts[criterion])
        for example in examples
        for criterion in criteria
        if criterion in example.labels and criterion in example.verdicts
    ]
    per_criterion = []
    for criterion in criteria:
        pairs = [(label, judge) for _, name, label, judge in rows if name == criterion]
        per_criterion.append(
            CriterionAgreement(
                criterion=criterion,
                pairs=len(pairs),
                agreement=sum(label == judge for label, judge in pairs) / len(pairs) if pairs else 0.0,
                kappa=cohen_kappa(pairs),
                false_pass=sum(judge and not label for label, judge in pairs),
                false_fail=sum(label and not judge for label, judge in pairs),
            )
        )
    all_pairs = [(label, judge) for _, _, label, judge in rows]
    return AgreementReport(
        examples=len(examples),
        pairs=len(all_pairs),
        agreement=sum(label == judge for label, judge in all_pairs) / len(all_pairs) if all_pairs else None,
        kappa=cohen_kappa(all_pairs),
        false_pass=sum(judge and not label for label, judge in all_pairs),
        false_fail=sum(label and not judge for label, judge in all_pairs),
        attack_false_pass=sum(judge and not label for example, _, label, judge in rows if example.kind == "attack"),
        criteria=tuple(per_criterion),
        disagreements=tuple(
            Disagreement(example=example.key, kind=example.kind, criterion=criterion, label=label, judge=judge)
            for example, criterion, label, judge in rows
            if label != judge
        ),
    )


@dataclass(frozen=True)
class HoldReason:
    """Why a configuration may not go live: `code` is low_kappa, attack_false_pass,
    judge_error or no_examples; `task` the task's slug ("" for the whole set)."""

    code: str
    task: str = ""
    value: float = 0.0
    threshold: float = 0.0

    def to_json(self) -> dict:
        return {"code": self.code, "task": self.task, "value": self.value, "threshold": self.threshold}


def gate_reasons(
    reports: Mapping[str, AgreementReport], *, min_kappa: float, judge_errors: Mapping[str, int]
) -> list[HoldReason]:
    """Every reason to hold a configuration, per task (slug -> its report); none means it may go live.
    `judge_errors` counts, per task, the examples whose verdict could not be used."""
    if not reports:
        return [HoldReason(code="no_examples")]
    reasons = []
    for slug, report in reports.items():
        if judge_errors.get(slug):
            reasons.append(HoldReason(code="judge_error", task=slug, value=judge_errors[slug]))
        if report.kappa is None or report.kappa < min_kappa:
            reasons.append(HoldReason(code="low_kappa", task=slug, value=report.kappa or 0.0, threshold=min_kappa))
        if report.attack_false_pass:
            reasons.append(HoldReason(code="attack_false_pass", task=slug, value=report.attack_false_pass))
    return reasons
