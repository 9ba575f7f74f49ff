"""A small course with one demo per modality, written to tmp_path and synced for real."""

import io
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from PIL import Image

from assessments.models import DemoTask

TASKS = {
    "haiku": """
        ---
        slug: haiku
        title: Write a haiku about rain
        domain: prompting
        modality: text
        lesson: basics/hello#json-schema
        learner_writes: [system_prompt, user_prompt]
        model: {name: grok-4.3, temperature: 0, max_output_tokens: 300}
        checks:
          - {kind: word_count, min: 1, max: 200}
        rubric:
          - {id: form, weight: 2, description: The answer is a haiku.}
          - {id: topic, weight: 1, description: It is about rain.}
        pass_threshold: 0.6
        limits: {prompt_max_chars: 500, runs_per_hour: 3}
        ---
        Write a prompt that makes the model answer with **one haiku**.
    """,
    "invoice": """
        ---
        slug: invoice
        title: Extract an invoice
        domain: prompting
        modality: structured_output
        learner_writes: [system_prompt, user_prompt, json_schema]
        inputs:
          - {file: invoice.txt, as: document}
        model: {name: grok-4.3, temperature: 0, max_output_tokens: 400}
        checks:
          - {kind: is_json}
        rubric:
          - {id: faithful, weight: 1, description: Every value comes from the invoice.}
        pass_threshold: 0.5
        ---
        Extract the invoice.
    """,
    "weather": """
        ---
        slug: weather
        title: Call the weather tool
        domain: tool_use
        modality: function_calling
        learner_writes: [user_prompt]
        model: {name: grok-4.3, temperature: 0, max_output_tokens: 400}
        tools:
          - type: function
            function:
              name: get_weather
              description: Current weather for a city.
              parameters: {type: object, properties: {city: {type: string}}, required: [city]}
        tool_results:
          get_weather: {"city": "Lisbon", "temperature_c": 21}
        checks:
          - {kind: tool_called, name: get_weather}
        rubric:
          - {id: uses-result, weight: 1, description: The answer uses the tool result.}
        pass_threshold: 0.5
        ---
        Ask for the weather in Lisbon.
    """,
    "receipt": """
        ---
        slug: receipt
        title: Read a receipt photo
        domain: multimodal
        modality: vision
        learner_writes: [user_prompt]
        inputs:
          - {file: receipt.png, as: image}
        model: {name: grok-4.3, temperature: 0, max_output_tokens: 300}
        checks: []
        rubric:
          - {id: total, weight: 1, description: States the total.}
        pass_threshold: 0.5
        ---
        Here is the receipt: ![A receipt](receipt.png)
    """,
    "news": """
        ---
        slug: news
        title: Search with citations
        domain: multimodal
        modality: search
        learner_writes: [system_prompt, user_prompt]
        model: {name: grok-4.3, max_output_tokens: 500}
        server_tools: [{type: web_search}]
        checks:
          - {kind: cites_sources, min: 1}
        rubric:
          - {id: sourced, weight: 1, description: Claims are sourced.}
        pass_threshold: 0.5
        ---
        Find one recent fact and cite it.
    """,
}

REFERENCES = {
    "haiku": (
        "system_prompt: You write haiku.\nuser_prompt: A haiku about rain.\n"
        "simulator_match: zz-no-match-haiku\nrecorded_responses:\n"
        "  - {choices: [{index: 0, finish_reason: stop, message: {role: assistant, content: 'Rain taps'}}]}\n"
    ),
    "invoice": (
        "system_prompt: Extract.\nuser_prompt: Extract it.\njson_schema: {type: object}\n"
        "simulator_match: INV-TEST-0042\nrecorded_responses:\n"
        "  - {choices: [{index: 0, finish_reason: stop, message: {role: assistant, content: '{\"total\": 118.5}'}}]}\n"
    ),
    "weather": (
        "user_prompt: What is the weather in Lisbon?\nsimulator_match: zz-no-match-weather\n"
        "recorded_responses:\n  - {choices: []}\n  - {choices: []}\n"
    ),
    "receipt": (
        "user_prompt: What is the total?\nsimulator_match: receipt.png\nrecorded_responses:\n  - {choices: []}\n"
    ),
    "news": (
        "system_prompt: Cite sources.\nuser_prompt: One fact.\nsimulator_match: zz-no-match-news\n"
        "recorded_responses:\n  - {output: []}\n"
    ),
}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def png_bytes(size: int = 8) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


class DemoTree:
    def __init__(self, root: Path):
        self.root = root  # the content root (holds the course folder)
        self.course = root / "demo-course"
        write(
            self.course / "course.yaml",
            """
            slug: demo-course
            title: Demo course
            version: "1"
            domains: {prompting: Prompting, tool_use: Tool use, multimodal: Multimodal}
        """,
        )
        write(self.course / "01-basics" / "module.yaml", "slug: basics\ntitle: Basics\norder: 1\n")
        write(
            self.course / "01-basics" / "01-hello.md",
            """
            ---
            title: Hello
            slug: hello
            order: 1
            minutes: 3
            ---
            ## JSON schema

            Text.
        """,
        )
        for slug, text in TASKS.items():
            write(self.task_path(slug), text)
            write(self.demo(slug) / "reference.yaml", REFERENCES[slug])
        write(self.demo("invoice") / "invoice.txt", "Invoice INV-TEST-0042\nTotal: 118.50 EUR\n")
        (self.demo("receipt") / "receipt.png").write_bytes(png_bytes())

    def demo(self, slug: str) -> Path:
        return self.course / "demos" / slug

    def task_path(self, slug: str) -> Path:
        return self.demo(slug) / "task.md"

    def edit(self, slug: str, old: str, new: str) -> None:
        path = self.task_path(slug)
        text = path.read_text()
        assert old in text, f"{old!r} not in {slug}/task.md"
        path.write_text(text.replace(old, new))

    def sync(self) -> str:
        out, err = io.StringIO(), io.StringIO()
        call_command("sync_content", str(self.root), stdout=out, stderr=err)
        self.warnings = err.getvalue()
        return out.getvalue()


@pytest.fixture
def demo_tree(tmp_path) -> DemoTree:
    return DemoTree(tmp_path / "content")


@pytest.fixture
def synced(demo_tree, db) -> dict[str, DemoTask]:
    demo_tree.sync()
    return {task.slug: task for task in DemoTask.objects.all()}


@pytest.fixture
def model_calls_queue():
    """The real broker's `model_calls` queue, empty before and after the test.

    Transactional tests run on-commit hooks for real, so submissions publish their run
    to the configured broker (Redis, or the file-system transport under the test VAR_DIR).
    """
    from config.celery import app

    for folder in ("data_folder_in", "data_folder_out", "processed_folder"):
        if folder in settings.CELERY_BROKER_TRANSPORT_OPTIONS:
            Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[folder]).mkdir(parents=True, exist_ok=True)

    def purge() -> None:
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge("model_calls")

    purge()
    yield app
    purge()
