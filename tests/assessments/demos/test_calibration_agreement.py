"""Cohen's kappa, the agreement report and the gate's reasons: pure functions, hand-checked numbers."""

import pytest

from assessments.demos.calibration.agreement import (
    JudgedExample,
    agreement_report,
    cohen_kappa,
    gate_reasons,
)


def pairs(both_pass: int, label_only: int, judge_only: int, both_fail: int) -> list[tuple[bool, bool]]:
    return (
        [(True, True)] * both_pass
        + [(True, False)] * label_only
        + [(False, True)] * judge_only
        + [(False, False)] * both_fail
    )


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # p_o = 0.7; p_e = 0.6 * 0.5 + 0.4 * 0.5 = 0.5; (0.7 - 0.5) / 0.5
        ((4, 2, 1, 3), 0.4),
        # p_o = 0.6; p_e = 0.6 * 0.7 + 0.4 * 0.3 = 0.54; 0.06 / 0.46
        ((45, 15, 25, 15), 0.06 / 0.46),
        # Perfect agreement with both verdicts present.
        ((3, 0, 0, 2), 1.0),
        # Systematic disagreement: p_o = 0, p_e = 0.5.
        ((0, 2, 2, 0), -1.0),
        # A judge that passes everything knows nothing: p_o = p_e.
        ((5, 0, 5, 0), 0.0),
    ],
)
def test_kappa_matches_hand_computed_values(counts, expected):
    assert cohen_kappa(pairs(*counts)) == pytest.approx(expected)


def test_kappa_is_one_when_expected_agreement_is_one_and_none_without_pairs():
    # Both raters say "pass" (or both "fail") to everything: p_e = 1, the formula would divide by zero.
    assert cohen_kappa(pairs(6, 0, 0, 0)) == 1.0
    assert cohen_kappa(pairs(0, 0, 0, 6)) == 1.0
    assert cohen_kappa([]) is None


def example(key, kind, labels, verdicts):
    return JudgedExample(
        key=key,
        kind=kind,
        labels={c: v == "p" for c, v in zip("ab", labels, strict=True)},
        verdicts={c: v == "p" for c, v in zip("ab", verdicts, strict=True)},
    )


def test_report_counts_agreement_false_passes_and_lists_disagreements():
    report = agreement_report(
        [
            example("good", "good", "pp", "pp"),
            example("near", "near-miss", "pf", "ff"),  # false fail on a
            example("attack", "attack", "ff", "pf"),  # false pass on a, on an attack
            example("poor", "poor", "ff", "ff"),
        ],
        ["a", "b"],
    )
    assert (report.examples, report.pairs) == (4, 8)
    assert report.agreement == pytest.approx(6 / 8)
    assert (report.false_pass, report.false_fail, report.attack_false_pass) == (1, 1, 1)
    # labels pass 3/8, judge pass 3/8: p_e = 9/64 + 25/64 = 34/64; (48/64 - 34/64) / (30/64)
    assert report.kappa == pytest.approx(14 / 30)
    by_criterion = {row.criterion: row for row in report.criteria}
    assert by_criterion["a"].agreement == 0.5 and (by_criterion["a"].false_pass, by_criterion["a"].false_fail) == (1, 1)
    assert by_criterion["b"].agreement == 1.0 and by_criterion["b"].kappa == 1.0
    assert [(d.example, d.criterion, d.label, d.judge) for d in report.disagreements] == [
        ("near", "a", True, False),
        ("attack", "a", False, True),
    ]


def test_gate_holds_on_low_kappa_attack_false_passes_judge_errors_and_an_empty_set():
    good = agreement_report([example("g", "good", "pp", "pp"), example("p", "poor", "ff", "ff")], ["a", "b"])
    fooled = agreement_report([example("g", "good", "pp", "pp"), example("x", "attack", "ff", "pp")], ["a", "b"])
    assert gate_reasons({"t": good}, min_kappa=0.6, judge_errors={}) == []
    codes = [(r.code, r.task) for r in gate_reasons({"t": fooled}, min_kappa=0.6, judge_errors={"t": 1})]
    assert codes == [("judge_error", "t"), ("low_kappa", "t"), ("attack_false_pass", "t")]
    assert [r.code for r in gate_reasons({}, min_kappa=0.6, judge_errors={})] == ["no_examples"]
