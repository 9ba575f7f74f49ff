"""Checks on the real flagship course's lessons, read through the platform's own content pipeline.

The course is parsed with `content_validate` (the code `sync_content` runs), so these tests see
exactly the headings, anchors, images and HTML that learners get. The Markdown source is read
only for the checks that are about wording (retired names) and about the example JSON.
"""

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import Resolver404, resolve
from PIL import Image

from assessments.modelapi import catalog
from courses.content.errors import ContentReport
from courses.content.sync import content_validate
from courses.content.yamlio import split_front_matter

from .course_files import course_spec, read_yaml

COURSE_SLUG = "grok4-applied"
COURSE_DIR = Path(settings.CONTENT_DIR) / COURSE_SLUG

# The module and lesson slugs other content (questions, demos, exams) links to. Changing one breaks
# `module-slug/lesson-slug#heading` references, so a rename must be deliberate.
EXPECTED_LESSONS = {
    "fundamentals": ["grok4-family", "models-and-lifecycle", "secure-setup"],
    "precision-prompting": [
        "anatomy-of-a-prompt",
        "reasoning-and-grounding",
        "structured-outputs",
        "iterating-with-tests",
    ],
    "tool-use": ["function-calling", "server-side-tools", "debugging-tools"],
    "search": ["search-and-citations", "live-search-migration"],
    "vision": ["image-inputs", "charts-screenshots-documents"],
    "responsible-use": ["evaluating-outputs", "prompt-injection", "privacy-and-trust"],
}

# Names FACTS.md marks retired (15 May 2026) or dead (Live Search). `grok-4` and `grok-4-latest` are
# aliases of the retired grok-4-0709. Each pattern is searched case-sensitively in the lesson source.
RETIRED = {
    "grok-4-0709": re.compile(r"grok-4-0709"),
    "grok-4 / grok-4-latest": re.compile(r"(?<![\w.-])grok-4(?:-latest)?(?![\w.-])"),
    "grok-4-fast-*": re.compile(r"grok-4-fast"),
    "grok-4-1-fast-*": re.compile(r"grok-4-1-fast"),
    "Grok 4 Fast / Grok 4.1 Fast": re.compile(r"Grok 4(?:\.1)? Fast"),
    "grok-code-fast-1": re.compile(r"grok-code-fast-1"),
    # grok-3 is retired; grok-3-mini is a legacy model that is still served.
    "grok-3": re.compile(r"(?<![\w.-])grok-3(?![\w.]|-mini)"),
    "Live Search": re.compile(r"[Ll]ive [Ss]earch"),
    "search_parameters": re.compile(r"search_parameters"),
}
STATUS_WORD = re.compile(r"retire|deprecat|\b410\b", re.IGNORECASE)

CHAT_FIELDS = {
    "model",
    "messages",
    "temperature",
    "top_p",
    "max_completion_tokens",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "response_format",
    "reasoning_effort",
    "seed",
    "stream",
    "stream_options",
    "n",
    "logprobs",
    "top_logprobs",
    "user",
}
RESPONSES_FIELDS = {
    "model",
    "input",
    "instructions",
    "previous_response_id",
    "store",
    "include",
    "max_output_tokens",
    "reasoning",
    "text",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "temperature",
    "top_p",
    "stream",
    "prompt_cache_key",
    "max_turns",
}
# Reasoning models answer 400 to these, even at 0 (FACTS.md), so no example may teach them.
REFUSED_BY_REASONING_MODELS = {"stop", "presence_penalty", "frequency_penalty"}
CURRENT_MODELS = {"grok-4.3", "grok-4.20-0309-reasoning", "grok-4.20-0309-non-reasoning"}


@pytest.fixture(scope="module")
def validated(django_db_setup, django_db_blocker):
    # The demo section checks slugs against other courses in the database.
    with django_db_blocker.unblock():
        report, parsed = content_validate(root=COURSE_DIR)
    assert len(parsed) == 1, "the course folder must hold exactly one course"
    source, sections = parsed[0]
    return report, source, sections["lessons"]


@pytest.fixture(scope="module")
def lessons(validated):
    _, _, course_lessons = validated
    return [(module, lesson) for module in course_lessons.modules for lesson in module.lessons]


def _source_body(lesson_path: str) -> str:
    front = split_front_matter(COURSE_DIR.parent / lesson_path, ContentReport(COURSE_DIR.parent))
    assert front is not None
    return front[1]


def _h2_ids(html: str) -> list[str]:
    return re.findall(r'<h2 id="([^"]+)"', html)


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'<h2 id="{heading_id}"')
    following = html.find("<h2 ", start + 1)
    return html[start:] if following == -1 else html[start:following]


def test_course_validates_without_errors_or_warnings(validated):
    report, source, _ = validated
    assert report.errors == []
    assert report.warnings == []
    assert source.slug == COURSE_SLUG


def test_module_and_lesson_slugs_are_the_published_contract(validated):
    _, _, course_lessons = validated
    found = {module.slug: [lesson.slug for lesson in module.lessons] for module in course_lessons.modules}
    assert found == EXPECTED_LESSONS
    assert [module.order for module in course_lessons.modules] == [1, 2, 3, 4, 5, 6]


def test_the_course_states_its_real_time(lessons):
    """Lesson time is computed from the text; exam and demo time in course.yaml match the exam and demos."""
    total = sum(lesson.minutes for _, lesson in lessons)
    assert total > 45, "lessons with exercises take more than the old 45-minute claim"
    spec = course_spec()
    exam = read_yaml(COURSE_DIR / "exams" / f"{spec['certificate']['requires']['exam']}.yaml")
    assert spec["time"]["exam_minutes"] == exam["time_limit_minutes"]
    assert spec["time"]["demo_minutes"] == 15 * len(spec["certificate"]["requires"]["demos"])
    assert not re.search(r"\d+[- ]minute", spec["summary"]), "the summary must not state its own time figure"


def test_every_lesson_opens_with_objectives_and_ends_with_self_check(lessons):
    for module, lesson in lessons:
        ids = _h2_ids(lesson.body_html)
        where = f"{module.slug}/{lesson.slug}"
        assert lesson.body_html.lstrip().startswith('<h2 id="objectives">'), where
        assert ids[-1] == "self-check", where
        assert ids.count("objectives") == 1 and ids.count("self-check") == 1, where
        objectives = _section(lesson.body_html, "objectives")
        assert objectives.count("<li>") >= 2, f"{where}: objectives should be a short list"
        check = _section(lesson.body_html, "self-check")
        questions = re.search(r"<ol>(.*?)</ol>", check, re.S)
        assert questions, f"{where}: self-check needs a numbered list of questions"
        asked = questions.group(1).count("<li>")
        assert 2 <= asked <= 4, where
        answers = re.search(r"<details><summary>[^<]+</summary>(.*?)</details>", check, re.S)
        assert answers, f"{where}: self-check answers belong in a <details> block"
        assert answers.group(1).count("<li>") == asked, f"{where}: one answer per question"


def test_images_exist_have_alt_text_and_are_all_used(lessons, validated):
    _, _, course_lessons = validated
    used: set[Path] = set()
    lessons_with_images = 0
    for module, lesson in lessons:
        images = re.findall(r"<img\b[^>]*>", lesson.body_html)
        lessons_with_images += bool(images)
        for tag in images:
            alt = re.search(r'alt="([^"]*)"', tag)
            src = re.search(r'src="([^"]*)"', tag).group(1)
            assert alt and len(alt.group(1).split()) >= 5, f"{lesson.slug}: {src} needs descriptive alt text"
            prefix = f"{settings.MEDIA_URL}content/{COURSE_SLUG}/{module.slug}/"
            assert src.startswith(prefix), f"{lesson.slug}: {src} was not resolved beside the lesson"
            path = module.directory / src.removeprefix(prefix)
            assert path.is_file(), path
            with Image.open(path) as image:
                image.verify()
            used.add(path)
    shipped = {image for module in course_lessons.modules for image in module.images}
    assert shipped == used, f"images no lesson shows: {sorted(str(p) for p in shipped - used)}"
    assert lessons_with_images >= 5


def test_internal_links_resolve_to_a_published_lesson_and_heading(lessons, validated):
    _, _, course_lessons = validated
    anchors = course_lessons.anchors()
    checked = 0
    for module, lesson in lessons:
        for href in re.findall(r'<a\b[^>]*\bhref="([^"]*)"', lesson.body_html):
            if href.startswith(("https://", "http://", "mailto:")):
                continue
            where = f"{module.slug}/{lesson.slug} -> {href}"
            if href.startswith("#"):
                assert href[1:] in lesson.heading_ids, where
                continue
            path, _, anchor = href.partition("#")
            try:
                match = resolve(path)
            except Resolver404:
                pytest.fail(f"{where}: not a site path")
            assert match.view_name == "courses:lesson", where
            assert match.kwargs["course_slug"] == COURSE_SLUG, where
            target = f"{match.kwargs['module_slug']}/{match.kwargs['lesson_slug']}"
            assert target in anchors, f"{where}: no such lesson"
            assert anchor, f"{where}: link to a section, not just the page"
            assert anchor in anchors[target], f"{where}: no heading #{anchor}"
            checked += 1
    assert checked >= 10


def _units(body: str) -> list[tuple[str, str]]:
    """Split Markdown into the smallest blocks a claim lives in, each with the text it may lean on.

    Paragraphs, admonitions and code blocks are units; each list item, table row and HTML `<li>`
    is its own unit. A code block may rely on the sentence that introduces it.
    """
    blocks, current, in_code = [], [], False
    for line in body.splitlines():
        if line.startswith("```"):
            current.append(line)
            if in_code:
                blocks.append(("code", "\n".join(current)))
                current = []
            elif len(current) > 1:
                blocks.append(("text", "\n".join(current[:-1])))
                current = [line]
            in_code = not in_code
        elif in_code or line.strip():
            current.append(line)
        elif current:
            blocks.append(("text", "\n".join(current)))
            current = []
    if current:
        blocks.append(("text", "\n".join(current)))

    units, previous = [], ""
    item_start = re.compile(r"^(\s*[-*] |\s*\d+\. |\||<li>)")
    for kind, text in blocks:
        if kind == "code":
            units.append((text, previous + "\n" + text))
        else:
            items: list[str] = []
            for line in text.splitlines():
                if item_start.match(line) or not items:
                    items.append(line)
                else:
                    items[-1] += "\n" + line
            units.extend((item, item) for item in items)
        previous = text
    return units


def test_retired_models_and_live_search_are_never_presented_as_current(lessons):
    offenders = []
    for module, lesson in lessons:
        for unit, context in _units(_source_body(lesson.path)):
            for name, pattern in RETIRED.items():
                if pattern.search(unit) and not STATUS_WORD.search(context):
                    offenders.append(f"{module.slug}/{lesson.slug}: {name} in: {unit[:100]!r}")
    assert offenders == []


def test_retired_check_catches_an_unqualified_mention():
    """The rule above must be able to fail: a bare retired name is reported, a qualified one is not."""
    bare = "Use `grok-4-1-fast-reasoning` for cheap classification.\n\nSend `search_parameters` to search."
    qualified = "The retired `grok-4-1-fast-reasoning` now resolves to grok-4.3."
    flagged = [
        name
        for unit, context in _units(bare)
        for name, pattern in RETIRED.items()
        if pattern.search(unit) and not STATUS_WORD.search(context)
    ]
    assert flagged == ["grok-4-1-fast-*", "search_parameters"]
    assert not [
        1
        for unit, context in _units(qualified)
        for pattern in RETIRED.values()
        if pattern.search(unit) and not STATUS_WORD.search(context)
    ]


def _json_blocks(body: str) -> list[str]:
    return re.findall(r"^```json\n(.*?)^```", body, re.S | re.M)


def test_example_requests_use_documented_fields_and_current_models(lessons):
    requests = 0
    for module, lesson in lessons:
        for block in _json_blocks(_source_body(lesson.path)):
            where = f"{module.slug}/{lesson.slug}"
            value = json.loads(block)  # every JSON example must be valid JSON
            if not (isinstance(value, dict) and "model" in value and ("messages" in value or "input" in value)):
                continue
            requests += 1
            fields = set(value)
            if "messages" in value:
                allowed = CHAT_FIELDS | ({"search_parameters"} if lesson.slug == "live-search-migration" else set())
            else:
                allowed = RESPONSES_FIELDS
            assert fields <= allowed, f"{where}: undocumented fields {fields - allowed}"
            assert not fields & REFUSED_BY_REASONING_MODELS, where
            # The one request allowed a retired model is the dead Live Search call shown for migration,
            # which names the model of its time (and the lesson says both are retired).
            dead_live_search = "search_parameters" in value and lesson.slug == "live-search-migration"
            allowed_models = CURRENT_MODELS | ({"grok-4-0709"} if dead_live_search else set())
            assert value["model"] in allowed_models, f"{where}: example request uses {value['model']}"
            if "reasoning_effort" in value:
                assert value["model"] == "grok-4.3", f"{where}: only grok-4.3 accepts reasoning_effort"
                assert value["reasoning_effort"] in {"none", "low", "medium", "high"}, where
    assert requests >= 12


def test_models_referenced_lists_the_model_names_lessons_use(lessons, validated):
    _, source, _ = validated
    referenced = set(source.spec["models_referenced"])
    mentioned = set()
    for _, lesson in lessons:
        body = _source_body(lesson.path)
        mentioned |= set(re.findall(r"`(grok-[\w.-]+)`", body))
        mentioned |= set(re.findall(r'"model": "(grok-[\w.-]+)"', body))
    # A family prefix such as `grok-4.20` or the alias `grok-4-fast` counts as covered by its full names.
    uncovered = {
        name
        for name in mentioned
        if name not in referenced and not any(full.startswith(name + "-") for full in referenced)
    }
    assert uncovered == set()
    assert referenced <= mentioned


@pytest.mark.django_db
def test_sync_content_dry_run_is_clean():
    out, err = StringIO(), StringIO()
    call_command("sync_content", str(settings.CONTENT_DIR), "--dry-run", stdout=out, stderr=err)
    assert err.getvalue() == ""
    assert f"would be created course {COURSE_SLUG}" in out.getvalue()
    # The psychometric lint prints the bank's test-wise score on every run.
    assert re.search(rf"{COURSE_SLUG}: a test-wise guesser scores \d+\.\d% on the \d+ single-choice", out.getvalue())
    for module_slug, lesson_slugs in EXPECTED_LESSONS.items():
        for lesson_slug in lesson_slugs:
            assert f"would be created lesson {module_slug}/{lesson_slug}" in out.getvalue()


def test_every_retired_name_the_platform_knows_is_policed_in_lessons():
    """A name the model catalog serves through grok-4.3 is retired; the lesson rule above must catch it."""
    retired = [
        name
        for name in catalog.known_models()
        if catalog.resolve_model(name, None) == "grok-4.3" and not name.startswith("grok-4.3")
    ]
    assert retired
    for name in retired:
        assert any(pattern.search(f"Use `{name}` here.") for pattern in RETIRED.values()), name
