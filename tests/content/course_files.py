"""Read the flagship course's files for the content tests, with PyYAML and the platform's Markdown renderer.

The question and demo parsers of the platform live in other apps; these tests read the YAML directly
so that the content can be checked on its own. The loader refuses duplicate keys, as the platform's
does, because a duplicate silently replaces a value (a classic slip in flow mappings).
"""

import re
from functools import cache
from pathlib import Path

import yaml
from django.conf import settings

from courses.api import render_markdown

COURSE_SLUG = "grok4-applied"
COURSE_DIR = Path(settings.CONTENT_DIR) / COURSE_SLUG

# Practice quizzes are drawn per module from the questions whose lesson is in that module, so each
# domain's questions must point at the modules that teach that domain.
DOMAIN_MODULES = {
    "prompting": {"precision-prompting"},
    "tool_use": {"tool-use"},
    "multimodal": {"search", "vision"},
    "fundamentals": {"fundamentals", "responsible-use"},
}

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)


class _StrictLoader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        keys = [self.construct_object(key_node, deep=True) for key_node, _ in node.value]
        duplicates = {key for key in keys if keys.count(key) > 1}
        if duplicates:
            raise yaml.MarkedYAMLError(problem=f"duplicate keys {sorted(map(str, duplicates))}",
                                       problem_mark=node.start_mark)
        return super().construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _StrictLoader.construct_mapping)


def load_yaml(text: str):
    return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass


def read_yaml(path: Path):
    return load_yaml(path.read_text(encoding="utf-8"))


def read_front_matter(path: Path) -> tuple[dict, str]:
    """The YAML front matter and the Markdown body of a lesson or a demo task."""
    match = _FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    assert match, f"{path}: no front matter between '---' lines"
    return load_yaml(match.group(1)), match.group(2)


@cache
def course_spec() -> dict:
    return read_yaml(COURSE_DIR / "course.yaml")


@cache
def lesson_anchors() -> dict[str, frozenset[str]]:
    """`module-slug/lesson-slug` -> the heading ids learners can be sent to in that lesson."""
    anchors = {}
    for module_yaml in sorted(COURSE_DIR.glob("*/module.yaml")):
        module_slug = read_yaml(module_yaml)["slug"]
        for lesson_path in sorted(module_yaml.parent.glob("*.md")):
            front, body = read_front_matter(lesson_path)
            anchors[f"{module_slug}/{front['slug']}"] = render_markdown(body).heading_ids
    return anchors


def module_practice_sizes() -> dict[str, int]:
    """Module slug -> how many questions its practice quiz draws (module.yaml, default 5)."""
    sizes = {}
    for module_yaml in COURSE_DIR.glob("*/module.yaml"):
        spec = read_yaml(module_yaml)
        sizes[spec["slug"]] = spec.get("practice_questions", 5)
    return sizes


def reference_problem(reference: str) -> str | None:
    """Why a `module/lesson#heading` reference does not resolve, or None when it does."""
    page, hash_sign, heading = reference.partition("#")
    anchors = lesson_anchors()
    if not hash_sign or not heading:
        return f"{reference}: must end with #heading-id"
    if page not in anchors:
        return f"{reference}: no lesson {page}"
    if heading not in anchors[page]:
        return f"{reference}: no heading #{heading} in {page} (has {sorted(anchors[page])})"
    return None
