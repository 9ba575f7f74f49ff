from decimal import Decimal

import pytest

from assessments.exams.scoring import InvalidResponse, clean_response, normalise_text, points_for, score_fraction

ABC = [{"id": "a", "correct": False}, {"id": "b", "correct": True}, {"id": "c", "correct": False}]
MULTI = [
    {"id": "a", "correct": True},
    {"id": "b", "correct": False},
    {"id": "c", "correct": True},
    {"id": "d", "correct": False},
]
ORDER = [{"id": "one"}, {"id": "two"}, {"id": "three"}, {"id": "four"}]


def score(kind, response, options=(), **key):
    return score_fraction(kind=kind, options=list(options), key=key, response=response)


def test_single_choice():
    assert score("single", "b", ABC) == 1
    assert score("single", "a", ABC) == 0
    assert score("single", None, ABC) == 0


@pytest.mark.parametrize(
    ("picks", "all_or_nothing", "partial"),
    [
        (["a", "c"], 1, 1),
        (["a"], 0, Decimal("0.5")),
        (["a", "b"], 0, 0),  # one right, one wrong: (1 - 1) / 2
        (["a", "c", "d"], 0, Decimal("0.5")),
        (["b", "d"], 0, 0),  # never below zero
    ],
)
def test_multiple_choice_all_or_nothing_and_partial(picks, all_or_nothing, partial):
    assert score("multiple", picks, MULTI) == all_or_nothing
    assert score("multiple", picks, MULTI, scoring="all_or_nothing") == all_or_nothing
    assert score("multiple", picks, MULTI, scoring="partial") == partial


def test_true_false():
    assert score("true_false", True, answer=True) == 1
    assert score("true_false", False, answer=True) == 0
    assert score("true_false", False, answer=False) == 1


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("10000000000", 1),
        ("10,000,000,000", 1),
        ("10_000_000_000", 1),
        ("1e10", 1),
        ("10000000001", 0),
        ("abc", 0),
    ],
)
def test_numeric_exact(typed, expected):
    assert score("numeric", typed, answer="10000000000", tolerance="0") == expected


def test_numeric_tolerance_is_inclusive_and_decimal_exact():
    assert score("numeric", "0.3", answer="0.1", tolerance="0.2") == 1
    assert score("numeric", "0.31", answer="0.1", tolerance="0.2") == 0
    assert score("numeric", "-0.1", answer="0.1", tolerance="0.2") == 1


def test_numeric_refuses_ambiguous_comma():
    with pytest.raises(InvalidResponse):
        clean_response(kind="numeric", options=[], raw="1,5")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("tool_choice", 1),
        ("  TOOL_CHOICE ", 1),
        ("Tool   Choice", 1),
        ("ｔｏｏｌ＿ｃｈｏｉｃｅ", 1),  # full-width: NFKC
        ("tool-choice", 1),  # only the pattern accepts it
        ("tools choice", 0),
        ("a tool_choice", 0),  # the pattern must match in full
    ],
)
def test_short_text_normalisation_and_pattern(typed, expected):
    assert score("short_text", typed, accepted=["tool_choice", "tool choice"], pattern="tool[-_ ]?choice") == expected


def test_short_text_without_pattern_and_casefold():
    assert normalise_text("STRASSE") == normalise_text("straße")
    assert score("short_text", "Straße", accepted=["STRASSE"], pattern="") == 1


def test_ordering_all_or_nothing_and_partial():
    right = ["one", "two", "three", "four"]
    swapped = ["two", "one", "three", "four"]
    assert score("ordering", right, ORDER) == 1
    assert score("ordering", swapped, ORDER) == 0
    assert score("ordering", swapped, ORDER, scoring="partial") == Decimal("0.5")


def test_points_scale_with_fraction():
    assert points_for(points=Decimal(2), fraction=Decimal("0.5")) == Decimal("1.000")
    assert points_for(points=Decimal(3), fraction=Decimal(1) / Decimal(3)) == Decimal("1.000")


@pytest.mark.parametrize(
    ("kind", "options", "raw", "expected"),
    [
        ("single", ABC, "b", "b"),
        ("single", ABC, "", None),
        ("multiple", MULTI, ["c", "a", "a"], ["a", "c"]),
        ("multiple", MULTI, [], None),
        ("true_false", [], "false", False),
        ("numeric", [], " 42 ", "42"),
        ("short_text", [], "  hi  ", "hi"),
        ("ordering", ORDER, ["two", "one", "three", "four"], ["two", "one", "three", "four"]),
    ],
)
def test_clean_response(kind, options, raw, expected):
    assert clean_response(kind=kind, options=options, raw=raw) == expected


@pytest.mark.parametrize(
    ("kind", "options", "raw"),
    [
        ("single", ABC, "z"),
        ("multiple", MULTI, ["a", "z"]),
        ("true_false", [], "maybe"),
        ("numeric", [], "twelve"),
        ("ordering", ORDER, ["one", "one", "two", "three"]),
    ],
)
def test_clean_response_refuses_impossible_values(kind, options, raw):
    with pytest.raises(InvalidResponse):
        clean_response(kind=kind, options=options, raw=raw)
