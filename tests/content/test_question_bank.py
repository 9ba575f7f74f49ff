"""The flagship course's question bank and certification exam, read straight from the YAML.

The bank must fill the exam blueprint three times over per domain, every question must carry one
defensible key and an explanation, and every question must send the learner to a real lesson
section.
"""

import math
import re
from collections import Counter

import pytest

from assessments.exams.scoring import score_fraction

from .course_files import (
    COURSE_DIR,
    DOMAIN_MODULES,
    course_spec,
    english_bank_paths,
    module_practice_sizes,
    read_yaml,
    reference_problem,
)

KINDS = {"single", "multiple", "true_false", "numeric", "short_text", "ordering"}
DIFFICULTIES = {"easy", "medium", "hard"}
ID_PREFIX = {"prompting": "prm", "tool_use": "tool", "multimodal": "mm", "fundamentals": "fun"}
# Answer options that make a key depend on every other option at once (and are banned by the brief).
CATCH_ALL = re.compile(r"\b(all|none|both|neither) of the (above|options|answers)\b", re.IGNORECASE)


def _load_bank() -> list[dict]:
    questions = []
    for path in english_bank_paths():
        data = read_yaml(path)
        assert isinstance(data, dict) and isinstance(data.get("questions"), list), path
        questions.extend(data["questions"])
    return questions


BANK = _load_bank()
EXAM = read_yaml(COURSE_DIR / "exams" / "certification-exam.yaml")


def _by_id(question: dict) -> str:
    return question["id"]


def test_question_ids_are_unique_and_follow_the_domain_prefix():
    ids = [q["id"] for q in BANK]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    for question in BANK:
        prefix = ID_PREFIX[question["domain"]]
        assert re.fullmatch(rf"{prefix}-\d{{3}}", question["id"]), question["id"]


def test_bank_fills_the_exam_blueprint_three_times_over():
    counts = Counter(q["domain"] for q in BANK)
    for domain, per_exam in EXAM["blueprint"].items():
        assert counts[domain] >= 3 * per_exam, (domain, counts[domain])
    assert len(BANK) >= 100


def test_every_domain_uses_several_kinds_and_the_bank_uses_them_all():
    assert {q["kind"] for q in BANK} == KINDS
    for domain in ID_PREFIX:
        kinds = {q["kind"] for q in BANK if q["domain"] == domain}
        assert len(kinds) >= 5, (domain, kinds)
    scorings = {q.get("scoring", "all_or_nothing") for q in BANK if q["kind"] == "multiple"}
    assert scorings == {"all_or_nothing", "partial"}


def test_difficulties_are_mixed_in_every_domain():
    for domain in ID_PREFIX:
        levels = Counter(q["difficulty"] for q in BANK if q["domain"] == domain)
        assert set(levels) == DIFFICULTIES, (domain, levels)


@pytest.mark.parametrize("question", BANK, ids=_by_id)
def test_question_is_complete(question):
    assert question["kind"] in KINDS
    assert question["domain"] in course_spec()["domains"]
    assert question["difficulty"] in DIFFICULTIES
    assert str(question["stem"]).strip()
    assert len(str(question["explanation"]).split()) >= 8, "the explanation must say why the key is right"
    points = question.get("points", 1)
    assert isinstance(points, int) and points >= 1


@pytest.mark.parametrize("question", BANK, ids=_by_id)
def test_question_has_exactly_one_well_formed_key(question):
    kind = question["kind"]
    options = question.get("options")
    if kind in {"single", "multiple", "ordering"}:
        assert isinstance(options, list)
        option_ids = [str(o["id"]) for o in options]
        assert len(set(option_ids)) == len(option_ids), "option ids must be unique"
        for option in options:
            assert set(option) <= {"id", "text", "correct"}, option
            assert isinstance(option["text"], str) and option["text"].strip()
            assert not CATCH_ALL.search(option["text"]), option["text"]
            assert option.get("correct", False) in (True, False)
        correct = sum(1 for o in options if o.get("correct"))
        if kind == "single":
            assert len(options) >= 3 and correct == 1
        elif kind == "multiple":
            assert 1 <= correct < len(options), "a multiple-choice key needs a wrong option too"
            assert question.get("scoring", "all_or_nothing") in {"all_or_nothing", "partial"}
        else:
            assert len(options) >= 2 and correct == 0, "ordering lists options in the right order"
    else:
        assert options is None, f"{kind} questions take no options"
    if kind == "true_false":
        assert question["answer"] in (True, False)
    if kind == "numeric":
        answer = question["answer"]
        assert isinstance(answer, (int, float)) and not isinstance(answer, bool) and math.isfinite(answer)
        assert question.get("tolerance", 0) >= 0
    if kind == "short_text":
        accepted = question["accepted"]
        assert isinstance(accepted, list) and accepted
        assert all(isinstance(a, str) and a.strip() for a in accepted)
        if "pattern" in question:
            pattern = re.compile(question["pattern"], re.IGNORECASE)
            assert pattern.fullmatch(accepted[0]), "the pattern must accept the canonical answer"


@pytest.mark.parametrize("question", BANK, ids=_by_id)
def test_lesson_reference_resolves_in_a_module_of_the_domain(question):
    problem = reference_problem(question["lesson"])
    assert problem is None, problem
    module_slug = question["lesson"].split("/", 1)[0]
    assert module_slug in DOMAIN_MODULES[question["domain"]], question["lesson"]


def test_reference_check_rejects_a_missing_heading():
    assert reference_problem("tool-use/function-calling#no-such-heading") is not None
    assert reference_problem("tool-use/function-calling") is not None
    assert reference_problem("tool-use/no-such-lesson#objectives") is not None


def test_every_module_can_fill_its_practice_quiz_twice():
    per_module = Counter(q["lesson"].split("/", 1)[0] for q in BANK)
    for module_slug, size in module_practice_sizes().items():
        assert per_module[module_slug] >= 2 * size, (module_slug, per_module[module_slug], size)


def test_certification_exam_matches_the_brief():
    assert EXAM["slug"] == "certification-exam" == course_spec()["certificate"]["requires"]["exam"]
    assert sum(EXAM["blueprint"].values()) == EXAM["question_count"] == 20
    assert EXAM["blueprint"] == {"prompting": 8, "tool_use": 5, "multimodal": 4, "fundamentals": 3}
    assert set(EXAM["blueprint"]) <= set(course_spec()["domains"])
    assert (EXAM["time_limit_minutes"], EXAM["pass_mark_percent"], EXAM["attempts_allowed"]) == (30, 80, 3)
    assert (EXAM["cooldown_hours"], EXAM["grace_seconds"]) == (24, 60)
    assert EXAM["shuffle_questions"] is True and EXAM["shuffle_options"] is True
    assert EXAM["review"] == "correct_answers"


SHORT_TEXT = [q for q in BANK if q["kind"] == "short_text"]


@pytest.mark.parametrize("question", SHORT_TEXT, ids=_by_id)
def test_short_text_accepts_the_answer_as_code_quoted_or_trailing_off(question):
    """Q3: the course prints field names as code, so `model`, "model" and model… all score."""
    key = {"accepted": question["accepted"], "pattern": question.get("pattern", "")}
    for answer in question["accepted"]:
        for typed in (answer, f"`{answer}`", f'"{answer}"', f"“{answer}”", f"{answer}…", f"{answer}."):
            assert score_fraction(kind="short_text", options=[], key=key, response=typed) == 1, typed
    assert score_fraction(kind="short_text", options=[], key=key, response="`not the answer`") == 0
