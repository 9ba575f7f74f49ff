"""Lesson time is computed from the text: prose, code, self-check questions and "Try it" exercises."""

import pytest
from django.core.management import call_command

from courses.content.reading_time import lesson_minutes
from courses.models import Lesson


def test_prose_is_read_at_200_words_a_minute():
    assert lesson_minutes(body="word " * 400) == 2
    assert lesson_minutes(body="word " * 401) == 3


def test_code_is_read_at_100_words_a_minute():
    body = "```json\n" + "token " * 300 + "\n```\n"
    assert lesson_minutes(body=body) == 3


def test_self_check_questions_and_exercises_add_time():
    self_check = "## Self-check\n\n1. One?\n2. Two?\n3. Three?\n4. Four?\n"
    assert lesson_minutes(body=self_check) == 3  # 4 x 0.5 min plus a few words, rounded up
    try_it = "## Try it: a request\n\n```python\n" + "code " * 500 + "\n```\n"
    # The snippet is covered by the exercise's three minutes, not read again at 100 wpm.
    assert lesson_minutes(body=try_it) == 4


def test_a_playground_box_is_an_exercise_and_its_prompt_is_not_read_again():
    box = '!!! playground "Try it: a long prompt"\n    ' + "word " * 400 + "\n\n    " + "word " * 200 + "\n\n"
    # Three minutes each; the 600 words of the prompt would add three more if read as prose.
    assert lesson_minutes(body=box) == 3
    assert lesson_minutes(body=box + box) == 6
    assert lesson_minutes(body=box + "word " * 200) == 4


def test_an_empty_lesson_takes_at_least_a_minute():
    assert lesson_minutes(body="") == 1


@pytest.mark.django_db
def test_sync_stores_the_computed_time_and_warns_about_a_stated_one(tmp_path, capsys):
    course = tmp_path / "content" / "timed-course"
    (course / "01-only").mkdir(parents=True)
    (course / "course.yaml").write_text("slug: timed-course\ntitle: Timed\nversion: '1'\n")
    (course / "01-only" / "module.yaml").write_text("slug: only\ntitle: Only\norder: 1\n")
    (course / "01-only" / "01-long.md").write_text(
        "---\ntitle: Long\nslug: long\norder: 1\nminutes: 1\n---\n" + "word " * 1000 + "\n"
    )
    call_command("sync_content", str(course.parent))
    assert Lesson.objects.get(slug="long").estimated_minutes == 5
    assert "'minutes' is ignored: the time is computed from the text (5 min)" in capsys.readouterr().err
