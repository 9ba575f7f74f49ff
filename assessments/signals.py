"""Events the assessments app sends; `assessments.api` re-exports them for other apps."""

from django.dispatch import Signal

# Sent on commit after an exam attempt is finalized or a demo submission is graded,
# with keyword arguments user_id and course_id. Receivers only enqueue work.
learner_progressed = Signal()
