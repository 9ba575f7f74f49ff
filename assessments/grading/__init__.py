"""Grading of hands-on demos: deterministic checks, the model-graded rubric, injection detection."""
