from collections import Counter

import pytest

from assessments.exams.draw import Candidate, DrawError, draw_questions


def bank(per_group: dict[str, int]) -> list[Candidate]:
    candidates, next_id = [], 1
    for group, count in per_group.items():
        for n in range(count):
            candidates.append(
                Candidate(
                    version_id=100 + next_id,
                    question_id=next_id,
                    external_id=f"{group}-{n:03}",
                    group=group,
                    kind="single",
                    option_ids=("a", "b", "c", "d"),
                )
            )
            next_id += 1
    return candidates


BANK = bank({"prompting": 12, "tool_use": 8, "multimodal": 6, "fundamentals": 5})
BLUEPRINT = {"prompting": 8, "tool_use": 5, "multimodal": 4, "fundamentals": 3}
GROUP_OF = {c.question_id: c.group for c in BANK}


def test_draw_matches_the_blueprint():
    for seed in range(20):
        drawn = draw_questions(candidates=BANK, counts=BLUEPRINT, seed=seed)
        assert Counter(GROUP_OF[d.question_id] for d in drawn) == Counter(BLUEPRINT)
        assert len({d.question_id for d in drawn}) == 20


def test_draw_is_reproducible_from_the_seed_and_varies_between_seeds():
    first = draw_questions(candidates=BANK, counts=BLUEPRINT, seed=1234)
    # The order the bank arrives in does not matter either.
    assert draw_questions(candidates=list(reversed(BANK)), counts=BLUEPRINT, seed=1234) == first
    assert draw_questions(candidates=BANK, counts=BLUEPRINT, seed=4321) != first


def test_draw_avoids_questions_seen_before_where_the_bank_allows():
    first = draw_questions(candidates=BANK, counts=BLUEPRINT, seed=1)
    seen = frozenset(d.question_id for d in first)
    second = draw_questions(candidates=BANK, counts=BLUEPRINT, seed=2, seen_question_ids=seen)
    by_group = Counter(GROUP_OF[d.question_id] for d in second if d.question_id in seen)
    # prompting has 12 questions for 8 places: 4 unseen, so 4 must repeat; fundamentals 5 for 3: 2 unseen, 1 repeats.
    assert by_group == Counter({"prompting": 4, "tool_use": 2, "multimodal": 2, "fundamentals": 1})
    assert Counter(GROUP_OF[d.question_id] for d in second) == Counter(BLUEPRINT)


def test_unseen_questions_are_all_used_first():
    seen = frozenset(c.question_id for c in BANK if c.group == "prompting" and c.external_id < "prompting-004")
    drawn = draw_questions(candidates=BANK, counts={"prompting": 8}, seed=7, seen_question_ids=seen)
    assert not {d.question_id for d in drawn} & seen


def test_draw_refuses_a_blueprint_the_bank_cannot_fill():
    with pytest.raises(DrawError):
        draw_questions(candidates=BANK, counts={"fundamentals": 6}, seed=1)


def test_options_shuffled_only_when_asked_and_ordering_never_shown_in_order():
    drawn = draw_questions(candidates=BANK, counts=BLUEPRINT, seed=3, shuffle_options=False, shuffle_questions=False)
    assert all(d.option_order == ("a", "b", "c", "d") for d in drawn)
    # Without question shuffling the draw is listed by group, then by id.
    assert [GROUP_OF[d.question_id] for d in drawn] == sorted(GROUP_OF[d.question_id] for d in drawn)
    shuffled = draw_questions(candidates=BANK, counts=BLUEPRINT, seed=3)
    assert any(d.option_order != ("a", "b", "c", "d") for d in shuffled)
    ordering = [
        Candidate(
            version_id=1, question_id=1, external_id="o", group="g", kind="ordering", option_ids=("one", "two", "three")
        )
    ]
    for seed in range(30):
        (item,) = draw_questions(candidates=ordering, counts={"g": 1}, seed=seed, shuffle_options=False)
        assert item.option_order != ("one", "two", "three")
        assert sorted(item.option_order) == ["one", "three", "two"]
