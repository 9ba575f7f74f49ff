"""Check labels: stored in English whatever language grading runs under, shown in the reader's."""

from django.utils import translation

from assessments.demos.presenters import _translated_checks
from assessments.grading.checks import RunTranscript, check_run

TASK_SPEC = {
    "checks": [{"kind": "word_count", "min": 3, "max": 3}, {"kind": "is_json"}],
    "cases": [{"id": "example", "visible": True, "checks": [{"kind": "contains", "value": "rain"}]}],
}


def stored_results(language: str) -> list[dict]:
    specs = [*TASK_SPEC["checks"], *TASK_SPEC["cases"][0]["checks"]]
    with translation.override(language):
        results = [check_run(spec, RunTranscript(text="rain on roofs")) for spec in specs]
    return [{**result.to_json(), "case": "example", "visible": True} for result in results]


def test_grading_stores_english_labels_and_the_same_outcomes_in_any_language():
    english = stored_results("en")
    assert [row["label"] for row in english] == ["Exactly 3 words", "Answer is JSON", "Contains “rain”"]
    assert stored_results("ja") == english == stored_results("ko")


def test_labels_are_shown_in_the_readers_language():
    stored = stored_results("en")
    with translation.override("ja"):
        assert [row["label"] for row in _translated_checks(stored, TASK_SPEC)] == [
            "ちょうど 3 語",
            "解答が JSON である",
            "“rain” を含む",
        ]
    with translation.override("ko"):
        assert _translated_checks(stored, TASK_SPEC)[0]["label"] == "정확히 3단어"
    assert [row["passed"] for row in _translated_checks(stored, TASK_SPEC)] == [row["passed"] for row in stored]


def test_a_label_the_current_spec_no_longer_gives_is_shown_as_stored():
    stored = stored_results("en")
    changed = {**TASK_SPEC, "checks": [{"kind": "word_count", "min": 5, "max": 5}, {"kind": "is_json"}]}
    with translation.override("ja"):
        labels = [row["label"] for row in _translated_checks(stored, changed)]
    assert labels[0] == "Exactly 3 words" and labels[1] == "解答が JSON である"
