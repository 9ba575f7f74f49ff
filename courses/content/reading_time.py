"""How long a lesson takes, estimated from its text so that every page shows the same number.

Prose is read at 200 words a minute; code and JSON, which learners read closely, at 100. Each
self-check question adds half a minute, and each "Try it" exercise three minutes: a `## Try it`
section (running a snippet) or a `!!! playground` box (running a prompt in the page). The three
minutes cover reading the exercise's snippets or starter prompt, which are not counted again. The
sum is rounded up to whole minutes.
"""

import math
import re

PROSE_WORDS_PER_MINUTE = 200
CODE_WORDS_PER_MINUTE = 100
SELF_CHECK_MINUTES_PER_QUESTION = 0.5
TRY_IT_MINUTES = 3

_FENCED = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
_SELF_CHECK = re.compile(r"^## Self-check\n(.*?)(?=^## |\Z)", re.S | re.M)
_NUMBERED = re.compile(r"^\d+\. ", re.M)
_TRY_IT_SECTION = re.compile(r"^## Try it\b.*?(?=^## |\Z)", re.S | re.M)
# The admonition line and the indented (or blank) lines under it that hold the starter prompt.
_PLAYGROUND_BOX = re.compile(r"^!!! playground\b[^\n]*\n(?:(?:    [^\n]*)?\n)*", re.M)
_MARKUP = re.compile(r"<[^>]+>|!\[[^\]]*\]\([^)]*\)|\]\([^)]*\)")


def _words(text: str) -> int:
    return len(_MARKUP.sub(" ", text).split())


def lesson_minutes(*, body: str) -> int:
    """Whole minutes to read a lesson's Markdown body and do its exercises (at least 1)."""
    exercises = len(_TRY_IT_SECTION.findall(body)) + len(_PLAYGROUND_BOX.findall(body))
    reading = _PLAYGROUND_BOX.sub("\n", body)
    reading = _TRY_IT_SECTION.sub(lambda section: _FENCED.sub(" ", section.group(0)), reading)
    code = "\n".join(_FENCED.findall(reading))
    prose = _FENCED.sub(" ", reading)
    self_check = _SELF_CHECK.search(prose)
    questions = len(_NUMBERED.findall(self_check.group(1))) if self_check else 0
    minutes = (
        _words(prose) / PROSE_WORDS_PER_MINUTE
        + _words(code) / CODE_WORDS_PER_MINUTE
        + questions * SELF_CHECK_MINUTES_PER_QUESTION
        + exercises * TRY_IT_MINUTES
    )
    return max(1, math.ceil(minutes))
