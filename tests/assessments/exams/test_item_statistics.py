import datetime

import pytest

from assessments.exams import selectors, services
from assessments.models.exams import Exam
from tests.accounts.factories import UserFactory

from .conftest import START, build_course, sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_draw_exam(tmp_path) -> Exam:
    """Blueprint = the whole bank, so every attempt gets prm-001, prm-002 and tool-001."""
    root = build_course(tmp_path / "content", prompting=2, tools=1)
    sync(root)
    return Exam.objects.get(slug="final-exam")


def take(exam, pattern: dict[str, int], *, submit: bool = True):
    attempt = services.attempt_start(user=UserFactory(), exam=exam, now=START)
    for slot in attempt.questions.select_related("version__question"):
        options = slot.version.options
        right = pattern[slot.version.question.external_id]
        raw = next(o["id"] for o in options if o["correct"] is bool(right))
        services.attempt_answer_save(attempt_id=attempt.id, position=slot.position, raw=raw, now=START)
    if submit:
        services.attempt_submit(attempt_id=attempt.id, now=START + datetime.timedelta(minutes=5))
    return attempt


def test_facility_and_discrimination_on_a_hand_computed_dataset(full_draw_exam, instructor):
    for pattern in (
        {"prm-001": 1, "prm-002": 1, "tool-001": 1},
        {"prm-001": 1, "prm-002": 1, "tool-001": 0},
        {"prm-001": 1, "prm-002": 0, "tool-001": 0},
        {"prm-001": 0, "prm-002": 0, "tool-001": 1},
    ):
        take(full_draw_exam, pattern)
    take(full_draw_exam, {"prm-001": 0, "prm-002": 0, "tool-001": 0}, submit=False)  # shown, not scored
    voided = take(full_draw_exam, {"prm-001": 1, "prm-002": 0, "tool-001": 1})
    services.attempt_reset(attempt_id=voided.id, by=instructor, reason="test", now=START)

    stats = {s.version.question.external_id: s for s in selectors.item_statistics(exam=full_draw_exam)}
    # prm-001: item [1,1,1,0], rest [2,1,0,1] -> covariance 0.
    assert (stats["prm-001"].facility, stats["prm-001"].discrimination) == (75.0, 0.0)
    # prm-002: item [1,1,0,0], rest [2,1,1,1] -> 0.5 / sqrt(1 * 0.75) = 0.577.
    assert (stats["prm-002"].facility, stats["prm-002"].discrimination) == (50.0, 57.7)
    # tool-001: item [1,0,0,1], rest [2,2,1,0] -> -0.5 / sqrt(1 * 2.75) = -0.302.
    assert (stats["tool-001"].facility, stats["tool-001"].discrimination) == (50.0, -30.2)
    assert all(s.times_shown == 5 and s.scored == 4 for s in stats.values())
    assert [name for name, s in sorted(stats.items()) if s.is_poor] == ["prm-001", "tool-001"]


def test_items_page_flags_poor_discrimination(full_draw_exam, instructor_client):
    for pattern in ({"prm-001": 1, "prm-002": 1, "tool-001": 0}, {"prm-001": 0, "prm-002": 0, "tool-001": 1}):
        take(full_draw_exam, pattern)
    body = instructor_client.get("/exams/demo-course/final-exam/items/").content.decode()
    assert body.count("Poor discrimination") == 1  # tool-001 runs against the rest of the test
    assert "tool-001" in body
