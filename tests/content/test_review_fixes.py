"""Pins for the independent content review's factual corrections (shared/reviews/content-review.md).

Each test states one rule a lesson or question could break again; the finding it pins is in
its name or docstring.
"""

import json
import re

import pytest

from .course_files import (
    COURSE_DIR,
    course_spec,
    english_bank_paths,
    english_lesson_paths,
    read_front_matter,
    read_yaml,
)

LESSONS = {str(path.relative_to(COURSE_DIR)): read_front_matter(path)[1] for path in english_lesson_paths()}
_PROSE_CODE = re.compile(r"^```.*?^```", re.S | re.M)


def _prose(body: str) -> str:
    return _PROSE_CODE.sub("", body)


def _sentences(text: str) -> list[str]:
    paragraphs = re.split(r"\n\s*\n|\n(?=#|\s*[-*] |\s*\d+\. |\|)", text)
    return [
        sentence
        for paragraph in paragraphs
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z`*(\"])", " ".join(paragraph.split()))
    ]


def _bank() -> list[dict]:
    return [q for path in english_bank_paths() for q in read_yaml(path)["questions"]]


def test_no_lesson_tells_api_users_to_opt_out_of_training():
    """F1: API data is not used for training unless the team opted in; opting out is the consumer app's framing."""
    offenders = [
        f"{where}: {sentence}"
        for where, body in LESSONS.items()
        for sentence in _sentences(_prose(body))
        if re.search(r"opt(ing)? out", sentence, re.I) and not re.search(r"consumer|Grok app", sentence)
    ]
    assert offenders == []
    setup = _prose(LESSONS["01-fundamentals/03-secure-setup.md"])
    assert re.search(r"not use your API inputs or outputs to\s+train models unless your team has opted in", setup)


def test_no_question_keys_an_opt_out_of_training_for_the_api():
    """F3: fun-022's key rested on the wrong default."""
    for question in _bank():
        for option in question.get("options") or []:
            if option.get("correct"):
                assert not re.search(r"opt(ing)? out of training", option["text"], re.I), question["id"]


def test_store_false_is_never_taught_as_the_whole_retention_story():
    """F2: store:false stops conversation storage, not the 30-day abuse-monitoring retention (ZDR does)."""
    setup = " ".join(_prose(LESSONS["01-fundamentals/03-secure-setup.md"]).split())
    assert "30 days to check for abuse" in setup
    assert "Zero Data Retention" in setup


def test_no_lesson_calls_grok_4_3_the_current_model():
    """S1: grok-4.5 to 4.7 shipped after it; grok-4.3 is the model this course uses."""
    offenders = []
    for where, body in LESSONS.items():
        for line in body.splitlines():
            if "grok-4.3" in line and re.search(r"\bcurrent (general |default )?model\b|\|\s*Current\s*\|", line, re.I):
                offenders.append(f"{where}: {line.strip()}")
    assert offenders == []


def test_a_dated_models_box_names_the_newer_models():
    """S1: a dated "Models as of <date>" box; newer models are named as not covered."""
    family = LESSONS["01-fundamentals/01-grok4-family.md"]
    box = re.search(r'^!!! note "Models as of (\d{1,2} \w+ \d{4})"\n((?:    .*\n|\n)+)', family, re.M)
    assert box, "the family lesson needs a dated models box"
    for name in ("grok-4.3", "grok-4.5", "grok-4.6", "grok-4.7", "GET /v1/models"):
        assert name in box.group(2), name


def test_every_knowledge_cutoff_date_is_attributed():
    """S3, V4: cutoffs are per model and say where the figure comes from."""
    months = r"(January|February|March|April|May|June|July|August|September|October|November|December) \d{4}"
    attribution = re.compile(r"according to|catalogue|notes|reports|says|model's page|model page", re.I)
    offenders = [
        f"{where}: {sentence}"
        for where, body in LESSONS.items()
        for sentence in _sentences(_prose(body))
        if re.search(r"cutoff", sentence, re.I) and re.search(months, sentence) and not attribution.search(sentence)
    ]
    assert offenders == []


def test_lessons_with_a_chat_completions_example_call_it_legacy():
    """S2: Responses first; Chat Completions is labelled "legacy, still served"."""
    offenders = []
    for where, body in LESSONS.items():
        requests = [json.loads(block) for block in re.findall(r"^```json\n(.*?)^```", body, re.S | re.M)]
        has_chat_request = any(isinstance(value, dict) and "messages" in value for value in requests)
        if has_chat_request and not re.search(r"legacy", _prose(body), re.I):
            offenders.append(where)
    assert offenders == []
    setup = _prose(LESSONS["01-fundamentals/03-secure-setup.md"])
    assert setup.find("Responses API") < setup.find("Chat Completions")
    assert "Chat Completions (legacy, still served)" in setup


def test_reasoning_effort_exception_for_grok_3_mini_is_taught():
    """F4/Q4: the lesson and fun-005 agree that the legacy grok-3-mini takes low/high."""
    family = _prose(LESSONS["01-fundamentals/01-grok4-family.md"])
    assert "Other models refuse the parameter" not in family
    assert re.search(r"`grok-3-mini`[^.]*only `low` and `high`", " ".join(family.split()))


@pytest.mark.parametrize(
    ("phrase", "where"),
    [
        ("main novelty was in training", "01-fundamentals/01-grok4-family.md"),
        ("RL also taught it", "01-fundamentals/01-grok4-family.md"),
        ("several agents work on the", "01-fundamentals/01-grok4-family.md"),
    ],
)
def test_vendor_characterisations_are_attributed_to_xai(phrase, where):
    """V1-V3: xAI's own descriptions are reported as xAI's."""
    sentence = next(s for s in _sentences(_prose(LESSONS[where])) if phrase in s)
    assert re.search(r"xAI (says|describes|reports|claims)", sentence), sentence


def test_grounding_example_has_a_single_defensible_negative_case():
    """F7: removing [S2] still leaves [S1] answering; the negative case is an unrelated question."""
    grounding = _prose(LESSONS["02-precision-prompting/02-reasoning-and-grounding.md"])
    assert "with `[S2]` removed" not in grounding
    assert "Can I pay by invoice?" in grounding


def test_the_look_up_example_enables_only_the_search_tool():
    """F9: enable only the tools a task needs."""
    body = LESSONS["03-tool-use/02-server-side-tools.md"]
    section = body[body.index("## A Responses request with tools") :]
    request = json.loads(re.search(r"^```json\n(.*?)^```", section, re.S | re.M).group(1))
    assert [tool["type"] for tool in request["tools"]] == ["web_search"]


def test_the_legacy_live_search_type_is_mentioned_as_dead():
    """Q5: the lesson and tool-024 agree on Chat Completions' legacy live_search type."""
    body = " ".join(_prose(LESSONS["03-tool-use/02-server-side-tools.md"]).split())
    assert re.search(r"`live_search` type that belonged to the retired Live Search", body)


def test_the_rubric_score_formula_is_taught_where_prm_045_points():
    """Q7."""
    body = " ".join(_prose(LESSONS["02-precision-prompting/04-iterating-with-tests.md"]).split())
    assert "weight of the passed criteria divided by the total weight" in body


def test_creating_a_key_is_taught_where_fun_021_points():
    """Q9."""
    assert "Create the key in the xAI console" in LESSONS["01-fundamentals/03-secure-setup.md"]


def test_image_size_advice_is_a_rule_of_thumb():
    """V5."""
    body = " ".join(_prose(LESSONS["05-vision/01-image-inputs.md"]).split())
    assert "rule of thumb" in body and "image_tokens" in body


def test_missing_context_is_a_common_cause_not_the_most_common():
    """V6."""
    assert "most common cause" not in LESSONS["02-precision-prompting/01-anatomy-of-a-prompt.md"]


def test_few_shot_format_control_and_case_study_sections_exist():
    """G1, G2, G4."""
    anatomy = LESSONS["02-precision-prompting/01-anatomy-of-a-prompt.md"]
    assert "## Few-shot examples" in anatomy and "## Controlling the format without a schema" in anatomy
    assert "no code fences" in anatomy.lower()
    iterating = LESSONS["02-precision-prompting/04-iterating-with-tests.md"]
    case = iterating[iterating.index("## Case study") :]
    for part in ("**Prompt v1**", "**A failing output**", "**The change**", "**The passing output**"):
        assert part in case


def test_prm_013_and_prm_040_match_the_lessons():
    """F6, Q6: chronological order is practice, not a rule; the loop is run, score, read, change."""
    bank = {q["id"]: q for q in _bank()}
    assert "must appear" not in bank["prm-013"]["stem"]
    assert [o["id"] for o in bank["prm-040"]["options"]] == ["run", "score", "read", "change"]


def test_the_certificate_requires_a_search_or_vision_demo():
    """D8: the title promises search and vision."""
    required = course_spec()["certificate"]["requires"]["demos"]
    modalities = {read_front_matter(COURSE_DIR / "demos" / slug / "task.md")[0]["modality"] for slug in required}
    assert modalities & {"search", "vision"}
