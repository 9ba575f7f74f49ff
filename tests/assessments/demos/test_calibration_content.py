"""calibration.yaml: the shipped sets are complete, and the sync reports every problem as path:line."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from assessments.demos.calibration.content import MIN_EXAMPLES
from assessments.models import CalibrationExample, DemoTask
from tests.content.course_files import read_front_matter, read_yaml

from .conftest import write

pytestmark = pytest.mark.django_db

DEMOS_DIR = Path(settings.CONTENT_DIR) / "grok4-applied" / "demos"
ADDRESSES_GRADER = re.compile(r"grades|grader|judge|verdict|evaluat", re.IGNORECASE)
SHIPPED = sorted(path.name for path in DEMOS_DIR.iterdir() if (path / "task.md").is_file())


@pytest.mark.parametrize("slug", SHIPPED)
def test_every_shipped_task_has_a_full_calibration_set(slug):
    examples = read_yaml(DEMOS_DIR / slug / "calibration.yaml")["examples"]
    front, _ = read_front_matter(DEMOS_DIR / slug / "task.md")
    criteria = {criterion["id"] for criterion in front["rubric"]}
    assert len(examples) >= MIN_EXAMPLES
    assert {"good", "near-miss", "attack", "poor"} <= {item["kind"] for item in examples}
    for item in examples:
        assert set(item["labels"]) == criteria, item["id"]
    # An attack is never labelled a pass on any criterion, and its text speaks to the grader.
    for item in examples:
        if item["kind"] == "attack":
            assert set(item["labels"].values()) == {"fail"}
            assert any(ADDRESSES_GRADER.search(str(output)) for output in item["outputs"].values()), item["id"]


def test_sync_loads_the_shipped_sets_and_a_second_sync_keeps_them():
    call_command("sync_content", str(settings.CONTENT_DIR), stdout=io.StringIO(), stderr=io.StringIO())
    for slug in SHIPPED:
        task = DemoTask.objects.get(slug=slug)
        assert CalibrationExample.objects.filter(task=task, source="content", is_active=True).count() >= MIN_EXAMPLES
    reference = CalibrationExample.objects.get(task__slug="role-and-format", key="content:reference-every-case")
    assert set(reference.outputs) == {"example", "budget-app", "time-tracker", "maps-app"}
    assert reference.outputs["example"][0]["text"].startswith("- Work offline")  # "reference" resolved
    assert reference.learner_prompt["system_prompt"].startswith("You write release notes")
    weather = CalibrationExample.objects.get(task__slug="function-calling-weather", key="content:reference-every-case")
    assert weather.outputs["example"][0]["tool_calls"][0]["name"] == "get_weather"  # steps become model results
    first_labelled = reference.labelled_at
    call_command("sync_content", str(settings.CONTENT_DIR), stdout=io.StringIO(), stderr=io.StringIO())
    reference.refresh_from_db()
    assert reference.labelled_at == first_labelled


def _example(number: int, kind: str = "good", labels: str = "{form: pass, topic: pass}") -> str:
    return (
        f"  - {{id: ex-{number}, kind: {kind}, prompt: reference, outputs: {{example: reference}}, labels: {labels}}}\n"
    )


def sync_errors(tree) -> str:
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("sync_content", str(tree.root), stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def test_a_valid_set_is_loaded_and_a_removed_example_stops_running(demo_tree):
    kinds = ["good"] * 10 + ["near-miss", "attack"]
    body = "examples:\n" + "".join(_example(n, kind) for n, kind in enumerate(kinds))
    path = write(demo_tree.demo("haiku") / "calibration.yaml", body)
    demo_tree.sync()
    assert CalibrationExample.objects.filter(task__slug="haiku", is_active=True).count() == 12
    path.write_text(body + _example(99, "poor", "{form: fail, topic: fail}"))
    demo_tree.sync()
    path.write_text(body)
    demo_tree.sync()
    assert CalibrationExample.objects.get(key="content:ex-99").is_active is False


def test_problems_are_reported_with_their_line(demo_tree):
    body = (
        "examples:\n"
        + _example(1, labels="{form: pass}")  # line 2: topic unlabelled
        + _example(2, labels="{form: pass, topic: maybe}")  # line 3
        + _example(3, labels="{form: pass, topic: pass, tone: pass}")  # line 4: no such criterion
        + "  - {id: ex-4, kind: good, prompt: mine, outputs: {nowhere: reference}, labels: {form: pass, topic: pass}}\n"
        + _example(5, kind="great")  # line 6
    )
    write(demo_tree.demo("haiku") / "calibration.yaml", body)
    errors = sync_errors(demo_tree)
    where = "demo-course/demos/haiku/calibration.yaml"
    assert f"{where}:2: no label for criterion 'topic'" in errors
    assert f"{where}:3: label of 'topic' must be pass or fail" in errors
    assert f"{where}:4: 'tone' is not a rubric criterion of this task" in errors
    assert f"{where}:5: example prompt 'mine' is not defined" in errors
    assert f"{where}:5: 'nowhere' is not a case of this task" in errors
    assert f"{where}:6: example kind must be one of good, near-miss, attack, poor" in errors
    assert f"{where}:1: the calibration set has 5 example(s); at least 12 are needed" in errors
    assert f"{where}:1: the calibration set needs at least one 'attack' example" in errors
