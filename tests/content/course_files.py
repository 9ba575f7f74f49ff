"""Read the flagship course's files for the content tests through the platform's own readers:
its YAML loader (which records lines and refuses duplicate keys, a classic slip in flow
mappings that silently replaces a value), its front-matter splitter and its lesson parser.
"""

from functools import cache
from pathlib import Path

from django.conf import settings

from courses.api import ContentReport, CourseSource, load_yaml_file, source_files, split_front_matter
from courses.content.lessons import LessonSection

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


def english_lesson_paths() -> list[Path]:
    """Every lesson file in English: translations (`*.ja.md`) are checked by test_translations.py."""
    return source_files(COURSE_DIR.glob("*/*.md"))


def english_bank_paths() -> list[Path]:
    """Every question bank in English, without its translations (`*.ko.yaml`)."""
    return source_files((COURSE_DIR / "questions").glob("*.yaml"))


def _checked(path: Path, read):
    report = ContentReport(root=COURSE_DIR.parent)
    value = read(path, report)
    assert not report.errors, "\n".join(map(str, report.errors))
    return value


def read_yaml(path: Path):
    return _checked(path, load_yaml_file)


def read_front_matter(path: Path) -> tuple[dict, str]:
    """The YAML front matter and the Markdown body of a lesson or a demo task."""
    front, body, _ = _checked(path, split_front_matter)
    return front, body


@cache
def course_spec() -> dict:
    return read_yaml(COURSE_DIR / "course.yaml")


@cache
def lesson_anchors() -> dict[str, frozenset[str]]:
    """`module-slug/lesson-slug` -> the heading ids learners can be sent to in that lesson."""
    source = CourseSource(
        slug=COURSE_SLUG, directory=COURSE_DIR, spec=course_spec(), spec_path=COURSE_DIR / "course.yaml"
    )
    report = ContentReport(root=COURSE_DIR.parent)
    lessons = LessonSection().parse(source, report, {})
    assert not report.errors, "\n".join(map(str, report.errors))
    return lessons.anchors()


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
