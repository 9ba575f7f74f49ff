"""A small course with one demo per modality, written to tmp_path and synced for real."""

import io
import json
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
        placeholders:
          topic: What the haiku is about.
        cases:
          - {id: example, visible: true, inputs: {topic: {text: rain}}}
          - {id: snow, inputs: {topic: {text: snow}}}
          - {id: wind, inputs: {topic: {text: wind}}}
          - {id: fog, inputs: {topic: {text: fog}}}
        model: {name: grok-4.3, temperature: 0, max_output_tokens: 300}
        checks:
          - {kind: word_count, min: 1, max: 200}
        rubric:
          - {id: form, weight: 2, description: The answer is a haiku.}
          - {id: topic, weight: 1, description: It is about the topic.}
        pass_threshold: 0.6
        limits: {prompt_max_chars: 500, runs_per_hour: 3}
        ---
        Write a prompt that makes the model answer with **one haiku** about `{{topic}}`.
    """,
    "invoice": """
        ---
        slug: invoice
        title: Extract an invoice
        domain: prompting
        modality: structured_output
        learner_writes: [system_prompt, user_prompt, json_schema]
        placeholders:
          invoice: The invoice text.
        cases:
          - {id: example, visible: true, inputs: {invoice: invoice.txt}, expected_values: [INV-TEST-0042]}
          - {id: second, inputs: {invoice: {text: "Invoice INV-TEST-0043 Total 20.00 EUR"}}}
          - {id: third, inputs: {invoice: {text: "Invoice INV-TEST-0044 Total 30.00 EUR"}}}
          - {id: fourth, inputs: {invoice: {text: "Invoice INV-TEST-0045 Total 40.00 EUR"}}}
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
        placeholders:
          city: The city the user asks about.
        cases:
          - {id: example, visible: true, inputs: {city: {text: Lisbon}}}
          - {id: porto, inputs: {city: {text: Porto}}, tool_results: {get_weather: {"city": "Porto", "temperature_c": 17}}}
          - {id: faro, inputs: {city: {text: Faro}}, tool_results: {get_weather: {"city": "Faro", "temperature_c": 24}}}
          - {id: braga, inputs: {city: {text: Braga}}, tool_results: {get_weather: {"city": "Braga", "temperature_c": 15}}}
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
        Ask for the weather in a city.
    """,
    "receipt": """
        ---
        slug: receipt
        title: Read a receipt photo
        domain: multimodal
        modality: vision
        learner_writes: [user_prompt]
        placeholders:
          receipt: The receipt photo.
        cases:
          - {id: example, visible: true, inputs: {receipt: receipt.png}}
          - {id: second, inputs: {receipt: receipt-2.png}}
          - {id: third, inputs: {receipt: receipt-3.png}}
          - {id: fourth, inputs: {receipt: receipt-4.png}}
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
        placeholders:
          question: The research question.
        cases:
          - {id: example, visible: true, inputs: {question: {text: 'What did xAI ship this week?'}}}
          - {id: second, inputs: {question: {text: 'Which models does xAI serve?'}}}
          - {id: third, inputs: {question: {text: 'What does the Responses API do?'}}}
          - {id: fourth, inputs: {question: {text: 'How is search billed?'}}}
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

# Prompts that pass every platform prompt check, as a learner would type them.
PROMPTS = {
    "haiku": {
        "system_prompt": "You are a poet. Answer with exactly one haiku of three short lines and nothing else.",
        "user_prompt": "Write a haiku about {{topic}}.",
    },
    "invoice": {
        "system_prompt": "You extract supplier invoices into JSON, copying every number and name exactly as printed.",
        "user_prompt": "Extract this invoice: {{invoice}}",
        "json_schema": '{"type": "object", "properties": {"total": {"type": "number"}}, "required": ["total"]}',
    },
    "weather": {
        "user_prompt": "Please call the weather tool for {{city}} first, then tell me the temperature it "
        "returned in one friendly sentence."
    },
    "receipt": {
        "user_prompt": "Read this receipt photo carefully and tell me the total amount printed on it, "
        "with its currency: {{receipt}}"
    },
    "news": {
        "system_prompt": "You are a research assistant. Search the web before answering and cite a source for each claim.",
        "user_prompt": "Answer briefly: {{question}}",
    },
}


def _outputs(slug: str, output: str) -> str:
    ids = {"haiku": ["example", "snow", "wind", "fog"], "weather": ["example", "porto", "faro", "braga"]}
    return "outputs:\n" + "".join(
        f"  {case}: {output}\n" for case in ids.get(slug, ["example", "second", "third", "fourth"])
    )


def _reference(slug: str, output: str) -> str:
    fields = "".join(
        f"{name}: {json.dumps(json.loads(value) if name == 'json_schema' else value)}\n"
        for name, value in PROMPTS[slug].items()
    )
    return fields + _outputs(slug, output)


REFERENCES = {
    "haiku": _reference("haiku", "{content: 'Rain taps the tin roof'}"),
    "invoice": _reference("invoice", "{content: '{\"total\": 118.5}'}"),
    "weather": _reference(
        "weather", "{steps: [{tool_calls: [{name: get_weather, arguments: {city: Lisbon}}]}, {content: It is 21 C.}]}"
    ),
    "receipt": _reference("receipt", "{content: The total is 12.40 EUR.}"),
    "news": _reference("news", "{content: 'xAI shipped a model.', citations: ['https://x.ai/news']}"),
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
        for number in (2, 3, 4):
            (self.demo("receipt") / f"receipt-{number}.png").write_bytes(png_bytes(8 + number))

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
