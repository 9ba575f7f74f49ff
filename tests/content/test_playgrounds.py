"""Every module of the flagship course gives the learner at least one playground ("Try it" box) to run
a prompt in the page, and every box's starter prompt is one the playground accepts.

The starter prompt is read from the HTML the sync stores, the way `static/js/playground.js` reads it:
the text of the box's paragraphs other than its title, joined by blank lines. Anything else in a box
(a list, a code block) would not reach the prompt, so a box may hold paragraphs only.
"""

import io
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from assessments.modelapi import catalog
from courses.content.sync import content_validate

from .course_files import COURSE_DIR


class _PlaygroundBoxes(HTMLParser):
    """Collects each playground box as (title, starter prompt, tags other than paragraphs inside it)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.boxes: list[tuple[str, str, list[str]]] = []
        self._depth = 0  # nesting of <div> inside the current box; 0 means outside any box
        self._paragraphs: list[str] = []
        self._title = ""
        self._other_tags: list[str] = []
        self._paragraph: list[str] | None = None
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if self._depth == 0:
            if tag == "div" and {"admonition", "playground"} <= set(classes):
                self._depth, self._paragraphs, self._title, self._other_tags = 1, [], "", []
            return
        if tag == "div":
            self._depth += 1
        if tag == "p" and "admonition-title" in classes:
            self._in_title = True
        elif tag == "p":
            self._paragraph = []
        elif self._paragraph is None and not self._in_title:
            self._other_tags.append(tag)

    def handle_endtag(self, tag):
        if self._depth == 0:
            return
        if tag == "p" and self._in_title:
            self._in_title = False
        elif tag == "p" and self._paragraph is not None:
            self._paragraphs.append("".join(self._paragraph))
            self._paragraph = None
        elif tag == "div":
            self._depth -= 1
            if self._depth == 0:
                self.boxes.append((self._title, "\n\n".join(self._paragraphs), self._other_tags))

    def handle_data(self, data):
        if self._in_title:
            self._title += data
        elif self._paragraph is not None:
            self._paragraph.append(data)


def playground_boxes(html: str) -> list[tuple[str, str, list[str]]]:
    parser = _PlaygroundBoxes()
    parser.feed(html)
    parser.close()
    return parser.boxes


@pytest.fixture(scope="module")
def modules(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        report, parsed = content_validate(root=COURSE_DIR)
    assert report.errors == []
    (_, sections), *_ = parsed
    return sections["lessons"].modules


def test_the_reader_finds_title_prompt_and_stray_markup():
    html = (
        '<div class="admonition note"><p>Not a box.</p></div>'
        '<div class="admonition playground"><p class="admonition-title">Try it</p>'
        "<p>Say &lt;hi&gt;\nplease.</p><p>Second.</p><ul><li>lost</li></ul></div>"
    )
    assert playground_boxes(html) == [("Try it", "Say <hi>\nplease.\n\nSecond.", ["ul", "li"])]


def test_every_module_has_a_playground_box(modules):
    without = [
        module.slug for module in modules if not any(playground_boxes(lesson.body_html) for lesson in module.lessons)
    ]
    assert len(modules) == 6
    assert without == [], "every module needs at least one `!!! playground` box in one of its lessons"


def test_every_box_has_a_title_and_an_acceptable_starter_prompt(modules):
    boxes = [
        (f"{module.slug}/{lesson.slug}", box)
        for module in modules
        for lesson in module.lessons
        for box in playground_boxes(lesson.body_html)
    ]
    assert len(boxes) >= len(modules)
    for where, (title, prompt, other_tags) in boxes:
        assert title.startswith("Try it: "), f"{where}: a box's title starts with 'Try it: '"
        assert prompt.strip(), f"{where}: the starter prompt is empty"
        assert len(prompt) <= settings.PLAYGROUND_PROMPT_MAX_CHARS, f"{where}: the starter prompt is too long"
        assert other_tags == [], f"{where}: only paragraphs reach the prompt, not {other_tags}"


def test_markers_in_a_starter_prompt_reach_the_learner_as_text(modules):
    # Raw <email> tags would be stripped by the sanitizer, leaving an injection demo without its fence.
    injection = next(module for module in modules if module.slug == "responsible-use")
    (_, prompt, _), *_ = [box for lesson in injection.lessons for box in playground_boxes(lesson.body_html)]
    assert "<email>" in prompt and "</email>" in prompt


@pytest.mark.django_db
def test_a_synced_lesson_page_shows_its_box_ready_for_the_playground(learner_client):
    call_command("sync_content", str(settings.CONTENT_DIR), stdout=io.StringIO(), stderr=io.StringIO())
    page = learner_client.get("/courses/grok4-applied/precision-prompting/structured-outputs/")
    assert page.status_code == 200
    html = page.content.decode()
    [(title, prompt, _)] = playground_boxes(html)
    assert title == "Try it: extraction as JSON"
    assert prompt.startswith("Extract the order from the message below.")
    assert f'data-playground-url="{reverse("playground:create")}"' in html
    assert "js/playground.js" in html


@pytest.mark.django_db
def test_the_box_takes_its_prompt_limit_from_the_server(learner_client, settings):
    # The script sets the textarea's maxlength from this attribute; the service refuses anything longer.
    settings.PLAYGROUND_PROMPT_MAX_CHARS = 1234
    call_command("sync_content", str(settings.CONTENT_DIR), stdout=io.StringIO(), stderr=io.StringIO())
    html = learner_client.get("/courses/grok4-applied/precision-prompting/structured-outputs/").content.decode()
    assert 'data-prompt-max-chars="1234"' in html


def test_the_playground_runs_a_current_model_not_a_retired_alias():
    # The lessons teach pinning a served model by name; the boxes in them should do the same.
    assert catalog.resolve_model(settings.PLAYGROUND_MODEL) == settings.PLAYGROUND_MODEL
