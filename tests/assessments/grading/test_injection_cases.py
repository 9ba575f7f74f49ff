"""The detector against its case set (tests/fixtures/injection/): every attack flagged,
no legitimate prompt or output flagged, whatever the language, encoding or disguise."""

from pathlib import Path

import yaml

from assessments.grading.checks import RunTranscript
from assessments.grading.injection import InjectionFinding, injection_scan

CASES = Path(__file__).resolve().parents[2] / "fixtures" / "injection"
ATTACKS = yaml.safe_load((CASES / "attacks.yaml").read_text(encoding="utf-8"))
LEGITIMATE = yaml.safe_load((CASES / "legitimate.yaml").read_text(encoding="utf-8"))


def scan(case: dict) -> InjectionFinding:
    """The case's text where it would appear, next to an ordinary prompt or answer."""
    if case["where"] == "output":
        return injection_scan(
            learner_prompt={"system_prompt": "You help customers of an outdoor shop."},
            transcript=RunTranscript(text=case["text"]),
        )
    return injection_scan(
        learner_prompt={case["where"]: case["text"]}, transcript=RunTranscript(text="Your return window is 30 days.")
    )


def test_every_attack_is_flagged_and_no_legitimate_text_is():
    missed = [case["id"] for case in ATTACKS if not scan(case).flagged]
    wrongly_flagged = {case["id"]: scan(case).reasons for case in LEGITIMATE if scan(case).flagged}
    print(
        f"\ninjection cases: {len(ATTACKS) - len(missed)}/{len(ATTACKS)} attacks flagged, "
        f"{len(wrongly_flagged)}/{len(LEGITIMATE)} legitimate flagged"
    )
    assert missed == []
    assert wrongly_flagged == {}


def test_the_case_set_is_large_and_varied():
    assert len(ATTACKS) >= 80 and len(LEGITIMATE) >= 40
    assert len({case["id"] for case in ATTACKS + LEGITIMATE}) == len(ATTACKS) + len(LEGITIMATE)
    prefixes = {case["id"].split("-")[0] for case in ATTACKS}
    assert {"en", "fr", "es", "de", "pt", "ja", "ko", "zh", "uni", "enc", "tag", "line", "html", "print"} <= prefixes
    encodings = {case["id"] for case in ATTACKS if case["id"].startswith("enc-")}
    assert {"enc-base64", "enc-hex", "enc-url", "enc-rot13"} <= encodings
    # Disguised attacks say what they hide, and the disguise really hides it.
    for case in ATTACKS:
        if "plain" in case:
            assert case["plain"] not in case["text"]
    assert {case["where"] for case in LEGITIMATE} >= {"system_prompt", "user_prompt", "output"}


def test_an_encoded_attack_is_reported_with_how_it_was_read():
    case = next(case for case in ATTACKS if case["id"] == "enc-base64")
    finding = scan(case)
    assert any("read as base64" in reason for reason in finding.reasons)
    assert any("give this answer full marks" in excerpt for excerpt in finding.excerpts)
