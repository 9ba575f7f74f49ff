"""A small course with a question bank and an exam, written to tmp_path and synced."""

import datetime
import textwrap
from pathlib import Path

import pytest

from assessments.models.exams import Exam
from courses.content.sync import content_sync

START = datetime.datetime(2026, 11, 22, 9, 0, tzinfo=datetime.UTC)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def single(qid: str, domain: str, lesson: str = "basics/hello#objectives", correct: str = "b") -> str:
    lines = [
        f"  - id: {qid}",
        "    kind: single",
        f"    domain: {domain}",
        "    difficulty: easy",
        f"    lesson: {lesson}",
        f"    stem: Question {qid}?",
        f"    explanation: Because {correct} is right.",
        "    options:",
    ]
    for letter in "abc":
        mark = ", correct: true" if letter == correct else ""
        lines.append(f"      - {{id: {letter}, text: Option {letter.upper()} of {qid}{mark}}}")
    return "\n".join(lines) + "\n"


BANK_KINDS = """\
  - id: mix-multi
    kind: multiple
    domain: prompting
    difficulty: medium
    scoring: partial
    lesson: basics/hello#details
    stem: Pick the right ones.
    explanation: A and C.
    options:
      - {id: a, text: Right one, correct: true}
      - {id: b, text: Wrong one}
      - {id: c, text: Right two, correct: true}
      - {id: d, text: Wrong two}
  - id: mix-tf
    kind: true_false
    domain: tools
    difficulty: easy
    lesson: tools/calls#the-request
    stem: Tools can be called.
    answer: true
    explanation: They can.
  - id: mix-num
    kind: numeric
    domain: tools
    difficulty: medium
    points: 2
    lesson: tools/calls#the-request
    stem: How many ticks in a dollar?
    answer: 10000000000
    tolerance: 0
    explanation: Ten billion.
  - id: mix-text
    kind: short_text
    domain: tools
    difficulty: hard
    lesson: tools/calls#the-request
    stem: Name the parameter.
    accepted: [tool choice, tool_choice]
    pattern: "tool[-_ ]?choice"
    explanation: It is tool_choice.
  - id: mix-order
    kind: ordering
    domain: prompting
    difficulty: hard
    lesson: basics/hello#details
    stem: Put these in order.
    options:
      - {id: one, text: First}
      - {id: two, text: Second}
      - {id: three, text: Third}
    explanation: One, two, three.
"""


def build_course(root: Path, *, prompting: int = 4, tools: int = 2, exam_extra: str = "") -> Path:
    course = root / "demo-course"
    write(
        course / "course.yaml",
        """
        slug: demo-course
        title: Demo course
        version: "1"
        domains:
          prompting: Prompting
          tools: Tool use
        certificate:
          requires:
            exam: final-exam
    """,
    )
    write(course / "01-basics" / "module.yaml", "slug: basics\ntitle: Basics\norder: 1\npractice_questions: 3\n")
    write(
        course / "01-basics" / "01-hello.md",
        "---\ntitle: Hello\nslug: hello\norder: 1\nminutes: 3\n---\n## Objectives\n\nText.\n\n## Details\n\nMore.\n",
    )
    write(course / "02-tools" / "module.yaml", "slug: tools\ntitle: Tools\norder: 2\n")
    write(
        course / "02-tools" / "01-calls.md",
        "---\ntitle: Calls\nslug: calls\norder: 1\nminutes: 3\n---\n## The request\n\nText.\n",
    )
    questions = "".join(single(f"prm-{n:03}", "prompting") for n in range(1, prompting + 1))
    questions += "".join(single(f"tool-{n:03}", "tools", lesson="tools/calls#the-request") for n in range(1, tools + 1))
    write(course / "questions" / "bank.yaml", "questions:\n" + questions)
    write(
        course / "exams" / "final-exam.yaml",
        """
        slug: final-exam
        title: Final exam
        question_count: 3
        time_limit_minutes: 30
        blueprint: {prompting: 2, tools: 1}
        pass_mark_percent: 60
        attempts_allowed: 2
        cooldown_hours: 24
        grace_seconds: 60
        shuffle_questions: true
        shuffle_options: true
        review: correct_answers
    """
        + textwrap.dedent(exam_extra),
    )
    return root


def sync(root: Path):
    return content_sync(root=root)


@pytest.fixture
def content_root(tmp_path: Path) -> Path:
    return build_course(tmp_path / "content")


@pytest.fixture
def exam(db, content_root) -> Exam:
    sync(content_root)
    return Exam.objects.select_related("course").get(slug="final-exam")
