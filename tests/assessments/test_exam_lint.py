"""The psychometric lint flags banks that surface cues give away, and passes fair ones."""

from io import StringIO

import pytest
from django.core.management import call_command

from assessments.exams.lint import (
    LintItem,
    bank_lint,
    guesser_expected_score,
    option_cues,
)


def _item(external_id, options, *, stem="Which field names the model?", domain="prompting", kind="single"):
    return LintItem(
        external_id=external_id,
        domain=domain,
        kind=kind,
        stem=stem,
        options=tuple(options),
        where=f"questions/bank.yaml:{external_id[-1]}",
    )


LONGEST_IS_KEY = [
    ("Nope", False),
    ("Maybe", False),
    ("The response's model field, which states the resolved model name", True),
    ("Never", False),
]


def test_a_uniquely_longest_key_is_found_by_the_guesser():
    assert guesser_expected_score(stem="Which one?", options=LONGEST_IS_KEY) == 1.0


def test_catch_all_option_outweighs_length():
    options = ["A long and detailed statement about retries", "Short", "All of the above"]
    cues = option_cues(stem="Which is true?", options=options)
    assert cues.index(max(cues)) == 2


def test_option_repeating_the_stem_gets_a_cue():
    cues = option_cues(
        stem="Which header carries the bearer token?", options=["The bearer token header", "Cookies", "Query text"]
    )
    assert cues[0] >= 1 and cues[1] == cues[2] == 0


def test_ties_give_the_guesser_only_chance():
    options = [("Alpha answer", True), ("Bravo answer", False), ("Delta answer", False), ("Gamma answer", False)]
    assert guesser_expected_score(stem="Pick one", options=options) == 0.25


def test_a_giveaway_bank_fails_with_the_score_in_the_message():
    items = [_item(f"q-00{n}", LONGEST_IS_KEY) for n in range(5)]
    result = bank_lint(items=items)
    assert result.guesser_score == 1.0
    assert not result.passed
    assert any("100.0%" in finding.message for finding in result.findings)


def test_keys_piled_in_one_position_are_flagged_per_domain():
    options = [("Option one here", True), ("Option two here", False), ("Option three", False), ("Option four", False)]
    items = [_item(f"q-0{n:02d}", options, stem=f"Question {n}?") for n in range(12)]
    messages = [finding.message for finding in bank_lint(items=items).findings]
    assert any("12 of 12 single-choice keys sit in option position 1" in message for message in messages)


def test_balanced_key_positions_pass():
    items = []
    for n in range(12):
        texts = ["Option one here", "Option two here", "Option three h", "Option four he"]
        items.append(_item(f"q-0{n:02d}", [(text, i == n % 4) for i, text in enumerate(texts)], stem=f"Q {n}?"))
    result = bank_lint(items=items)
    assert not [f for f in result.findings if "position" in f.message]


def test_an_option_under_a_third_of_the_key_is_implausible():
    options = [("No.", False), ("Send the result in a tool message with the matching id", True), ("A", False)]
    findings = bank_lint(items=[_item("q-001", options)]).findings
    implausible = [f.message for f in findings if "third of the key" in f.message]
    assert len(implausible) == 2


def test_a_two_option_item_is_flagged():
    findings = bank_lint(items=[_item("q-001", [("Yes it does", True), ("No it does not", False)])]).findings
    assert any("at least 3 options" in f.message for f in findings)


def test_an_empty_bank_passes():
    result = bank_lint(items=[])
    assert result.passed and result.guesser_score == 0.0


@pytest.mark.django_db
def test_sync_content_warns_about_a_giveaway_bank_but_still_syncs(tmp_path):
    course = tmp_path / "content" / "lint-course"
    (course / "01-m").mkdir(parents=True)
    (course / "questions").mkdir()
    (course / "course.yaml").write_text(
        "slug: lint-course\ntitle: Lint\nversion: '1'\ndomains: {basics: Basics}\n", encoding="utf-8"
    )
    (course / "01-m" / "module.yaml").write_text("slug: m\ntitle: M\norder: 1\n", encoding="utf-8")
    (course / "01-m" / "01-l.md").write_text("---\ntitle: L\nslug: l\norder: 1\n---\n## Keys\n\nText.\n")
    questions = ["questions:"]
    for number in range(8):
        questions += [
            f"  - id: q-{number:03d}",
            "    kind: single",
            "    domain: basics",
            "    difficulty: easy",
            "    lesson: m/l#keys",
            f"    stem: Question number {number}?",
            "    explanation: The long option is right here, as in every other item of this bank.",
            "    options:",
            "      - {id: a, text: 'The long and detailed option that is always right', correct: true}",
            "      - {id: b, text: 'No'}",
            "      - {id: c, text: 'Nah'}",
        ]
    (course / "questions" / "bank.yaml").write_text("\n".join(questions) + "\n", encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("sync_content", str(course.parent), stdout=out, stderr=err)
    warnings = err.getvalue()
    assert "a test-wise guesser scores 100.0% on the 8 single-choice items (limit 35%)" in warnings
    assert "8 of 8 single-choice keys sit in option position 1" in warnings
    assert "bank.yaml:2: q-000: option 'No' is under a third of the key's length" in warnings
    assert "lint-course: a test-wise guesser scores 100.0%" in out.getvalue()
    assert "created course lint-course" in out.getvalue()
