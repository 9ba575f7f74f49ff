"""What other apps may use from `assessments`: frozen data and one event, never models.

`certificates` asks these functions whether a learner met a course's requirements,
and listens to `learner_progressed` to re-check after an exam or demo result.
"""

import datetime
from dataclasses import dataclass

from django.dispatch import Signal

# Sent on commit after an exam attempt is finalized or a demo submission is graded,
# with keyword arguments user_id and course_id. Receivers only enqueue work.
learner_progressed = Signal()


@dataclass(frozen=True)
class ExamOutcome:
    exam_slug: str
    passed: bool
    score_percent: float
    attempt_id: int
    finished_at: datetime.datetime
    test_mode: bool


@dataclass(frozen=True)
class DemoOutcome:
    demo_slug: str
    title: str
    passed: bool
    score: float
    submission_id: int
    graded_at: datetime.datetime
    test_mode: bool
