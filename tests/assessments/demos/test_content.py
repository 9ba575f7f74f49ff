import io

import pytest
from django.core.management import CommandError, call_command

from assessments.models import DemoAsset, DemoTask

from .conftest import png_bytes

pytestmark = pytest.mark.django_db


def sync_errors(tree) -> str:
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("sync_content", str(tree.root), stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def test_sync_creates_every_task_and_second_run_changes_nothing(demo_tree):
    output = demo_tree.sync()
    for slug in ("haiku", "invoice", "weather", "receipt", "news"):
        assert f"created demo {slug}" in output
    assert demo_tree.sync().strip() == "No changes."
    invoice = DemoTask.objects.get(slug="invoice")
    assert invoice.inputs[0]["text"].startswith("Invoice INV-TEST-0042")
    assert [item["placeholder"] for item in invoice.inputs] == ["invoice"]  # the visible case's only
    assert [case["id"] for case in invoice.spec["cases"]] == ["example", "second", "third", "fourth"]
    assert invoice.spec["cases"][1]["inputs"][0]["text"] == "Invoice INV-TEST-0043 Total 20.00 EUR"
    assert invoice.spec["placeholder_kinds"] == {"invoice": "text"} and invoice.spec["min_cases_passed"] == 4
    assert invoice.spec["limits"] == {"prompt_max_chars": 4000, "runs_per_hour": 10, "budget_usd": 0.5}
    assert set(invoice.reference["outputs"]) == {"example", "second", "third", "fourth"}


def test_image_input_is_stored_by_hash_and_linked_from_the_brief(demo_tree):
    demo_tree.sync()
    receipt = DemoTask.objects.get(slug="receipt")
    asset = DemoAsset.objects.get(sha256=receipt.inputs[0]["sha256"])
    assert bytes(asset.data) == png_bytes() and asset.mime == "image/png"
    assert DemoAsset.objects.count() == 4  # every case's image, stored once by hash
    assert receipt.spec["placeholder_kinds"] == {"receipt": "image"}
    assert 'src="/demos/receipt/inputs/receipt.png"' in receipt.brief_html


def test_changed_task_gets_a_new_version_and_removed_task_is_unpublished(demo_tree):
    demo_tree.sync()
    before = DemoTask.objects.get(slug="haiku").version
    demo_tree.edit("haiku", "pass_threshold: 0.6", "pass_threshold: 0.7")
    (demo_tree.demo("news") / "task.md").unlink()
    (demo_tree.demo("news") / "reference.yaml").unlink()
    demo_tree.demo("news").rmdir()
    output = demo_tree.sync()
    assert "updated demo haiku" in output and "unpublished demo news" in output
    assert DemoTask.objects.get(slug="haiku").version != before
    assert DemoTask.objects.get(slug="news").is_published is False


@pytest.mark.parametrize(
    ("slug", "old", "new", "expected"),
    [
        ("haiku", "modality: text", "modality: audio", "haiku/task.md:5: unknown modality 'audio'"),
        (
            "haiku",
            "learner_writes: [system_prompt, user_prompt]",
            "learner_writes: [user_prompt, essay]",
            "haiku/task.md:7: unknown learner_writes item 'essay'",
        ),
        ("haiku", "domain: prompting", "domain: cooking", "haiku/task.md:4: unknown domain 'cooking'"),
        (
            "haiku",
            "lesson: basics/hello#json-schema",
            "lesson: basics/hello#nowhere",
            "haiku/task.md:6: lesson 'basics/hello' has no heading '#nowhere'",
        ),
        ("haiku", "pass_threshold: 0.6", "pass_threshold: 1.5", "haiku/task.md:21: pass_threshold must be a number"),
        (
            "haiku",
            "{id: form, weight: 2,",
            "{id: form, weight: -2,",
            "haiku/task.md:19: rubric 'weight' must be a positive",
        ),
        ("haiku", "{id: topic, weight: 1,", "{id: form, weight: 1,", "haiku/task.md:20: duplicate rubric id 'form'"),
        ("haiku", "{id: form, weight: 2,", "{id: form, about: style, weight: 2,", "rubric 'about' must be one of"),
        (
            "haiku",
            "{kind: word_count, min: 1, max: 200}",
            "{kind: word_count, min: many}",
            "haiku/task.md:17: checks 1 (word_count)",
        ),
        ("haiku", "{kind: word_count, min: 1, max: 200}", "{kind: sparkles}", "haiku/task.md:17: checks 1 (sparkles)"),
        (
            "haiku",
            "{kind: word_count, min: 1, max: 200}",
            "{kind: min_substance}",
            "unknown check kind 'min_substance'",
        ),
        (
            "invoice",
            "{invoice: invoice.txt}",
            "{invoice: missing.txt}",
            "invoice/task.md:10: input file 'missing.txt' not found",
        ),
        ("invoice", "{invoice: invoice.txt}", "{}", "case 'example' gives no input for placeholder 'invoice'"),
        ("invoice", "{invoice: invoice.txt}", "{invoice: invoice.txt, other: x.txt}", "'other' is not one of"),
        ("haiku", "  - {id: fog, inputs: {topic: {text: fog}}}\n", "", "the task has 2 hidden case(s); at least 3"),
        ("haiku", "{id: example, visible: true,", "{id: example,", "exactly one case must be visible: true (found 0)"),
        ("haiku", "{id: snow,", "{id: example,", "duplicate case id 'example'"),
        ("haiku", "{id: snow,", "{id: Snow Day,", "case id must be lowercase letters"),
        (
            "weather",
            'tool_results: {get_weather: {"city": "Porto"',
            'tool_results: {get_time: {"city": "Porto"',
            "case 'porto': tool_results names 'get_time', not a task tool",
        ),
        (
            "news",
            "server_tools: [{type: web_search}]",
            "server_tools: [{type: browse}]",
            "news/task.md:15: server tool type must be one of web_search, x_search",
        ),
        (
            "weather",
            "learner_writes: [user_prompt]",
            "learner_writes: [user_prompt, json_schema]",
            "weather/task.md:6: json_schema is only written in structured_output tasks",
        ),
        ("haiku", "slug: haiku", "slug: review", "haiku/task.md:2: slug 'review' is reserved"),
    ],
)
def test_bad_task_names_file_and_line_and_writes_nothing(demo_tree, slug, old, new, expected):
    demo_tree.edit(slug, old, new)
    errors = sync_errors(demo_tree)
    assert expected in errors, errors
    assert not DemoTask.objects.exists()


def test_image_that_is_not_png_or_jpeg_is_refused(demo_tree):
    (demo_tree.demo("receipt") / "receipt.png").write_bytes(b"GIF89a not really a png")
    assert "input 'receipt.png': an image must be a JPEG (.jpg/.jpeg) or PNG (.png) file" in sync_errors(demo_tree)


def test_image_over_20_mib_is_refused(demo_tree):
    path = demo_tree.demo("receipt") / "receipt.png"
    path.write_bytes(png_bytes() + b"\0" * (20 * 1024 * 1024))
    assert "images may be at most 20 MiB" in sync_errors(demo_tree)


def test_missing_reference_and_missing_outputs_are_reported(demo_tree):
    (demo_tree.demo("haiku") / "reference.yaml").unlink()
    reference = demo_tree.demo("weather") / "reference.yaml"
    reference.write_text(reference.read_text().split("outputs:")[0])
    errors = sync_errors(demo_tree)
    assert "haiku/reference.yaml: reference.yaml is missing" in errors
    assert "weather/reference.yaml:1: 'outputs' must give the reference's output on every case" in errors


def test_a_reference_output_that_fails_its_case_is_refused(demo_tree):
    reference = demo_tree.demo("invoice") / "reference.yaml"
    reference.write_text(
        reference.read_text().replace("third: {content: '{\"total\": 118.5}'}", "third: {content: total}")
    )
    errors = sync_errors(demo_tree)
    assert "the reference output for case 'third' fails check 'Answer is JSON'" in errors


def test_a_reference_prompt_that_fails_a_prompt_check_is_refused(demo_tree):
    reference = demo_tree.demo("haiku") / "reference.yaml"
    text = reference.read_text()
    reference.write_text(text.replace('"Write a haiku about {{topic}}."', '"Write a haiku."'))
    assert "the reference solution fails the prompt check 'The prompt places every input of the task'" in sync_errors(
        demo_tree
    )


def test_a_reference_prompt_containing_an_expected_value_is_refused(demo_tree):
    reference = demo_tree.demo("invoice") / "reference.yaml"
    reference.write_text(reference.read_text().replace("Extract this invoice:", "Extract invoice INV-TEST-0042:"))
    assert "fails the prompt check 'The prompt does not contain the answers'" in sync_errors(demo_tree)


def test_reference_must_carry_what_the_learner_writes(demo_tree):
    (demo_tree.demo("invoice") / "reference.yaml").write_text(
        "system_prompt: s\nuser_prompt: u\njson_schema: {type: 12}\noutputs: {}\n"
    )
    assert "invoice/reference.yaml:3: json_schema: invalid JSON Schema" in sync_errors(demo_tree)
