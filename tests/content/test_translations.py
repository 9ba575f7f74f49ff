"""The course's translations (content/README.md, "Translations") are complete and current.

Each check runs the sync's own validation (`content_validate`) and keeps the problems it reports
about translations: a stale `source_hash`, a lost key string (headings, code blocks, links, images,
code spans, model names, figures), a question id or option id the English does not have, or one it
misses. The shipped tree must have none; doctored copies of it prove each check fires.
"""

import re
import shutil
from functools import cache
from pathlib import Path

import pytest
import yaml

from courses.api import translation_file
from courses.content.sync import content_validate
from courses.content.translations import key_string_problems, translation_languages

from .course_files import COURSE_DIR, english_bank_paths, read_front_matter, read_yaml

pytestmark = pytest.mark.django_db

FULLY_TRANSLATED_MODULE = COURSE_DIR / "01-fundamentals"


def translation_problems(content_root: Path) -> list[str]:
    """What the sync reports about translations under `content_root`, errors and warnings alike."""
    report, _ = content_validate(root=content_root)
    return [
        str(problem)
        for problem in report.errors + report.warnings
        if translation_file(Path(str(problem.path))) is not None or "translation" in problem.message
    ]


@cache
def _shipped_problems() -> tuple[str, ...]:
    return tuple(translation_problems(COURSE_DIR.parent))


def test_shipped_translations_are_current_and_complete():
    assert list(_shipped_problems()) == []


@pytest.mark.parametrize("language", translation_languages())
def test_the_fundamentals_module_is_translated_in_full(language):
    """Module 1 proves the path: its lessons, its title and summary, and every question its practice draws."""
    english = [path for path in FULLY_TRANSLATED_MODULE.glob("*.md") if translation_file(path) is None]
    assert english and all(path.with_suffix(f".{language}.md").is_file() for path in english)
    assert {"title", "summary", "source_hash"} <= set(
        read_yaml(FULLY_TRANSLATED_MODULE / "module.yaml")["translations"][language]
    )
    course_translation = read_yaml(COURSE_DIR / "course.yaml")["translations"][language]
    assert set(course_translation["domains"]) == set(read_yaml(COURSE_DIR / "course.yaml")["domains"])
    practice_ids = {
        question["id"]
        for path in english_bank_paths()
        for question in read_yaml(path)["questions"]
        if question["lesson"].startswith("fundamentals/")
    }
    translated_ids = {
        question["id"]
        for path in (COURSE_DIR / "questions").glob(f"*.{language}.yaml")
        for question in read_yaml(path)["questions"]
    }
    assert practice_ids and practice_ids <= translated_ids


def test_translated_lessons_keep_japanese_and_korean_prose():
    """A translation file is not a copy of the English with a new name."""
    for language, script in (("ja", r"[\u3040-\u30ff]"), ("ko", r"[\uac00-\ud7a3]")):
        for path in FULLY_TRANSLATED_MODULE.glob(f"*.{language}.md"):
            front, body = read_front_matter(path)
            assert re.search(script, front["title"]) and len(re.findall(script, body)) > 500, path


# --- the checks catch a doctored tree ----------------------------------------------------------
@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the course to doctor; returns the course folder."""
    copy = tmp_path / "content" / COURSE_DIR.name
    shutil.copytree(COURSE_DIR, copy)
    return copy


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_changed_english_lesson_makes_its_translations_stale(tree):
    _edit(tree / "01-fundamentals" / "01-grok4-family.md", "roughly\n200,000 GPUs", "roughly\n230,000 GPUs")
    problems = translation_problems(tree.parent)
    for language in ("ja", "ko"):
        assert any(
            f"01-grok4-family.{language}.md:4: the '{language}' translation is out of date" in problem
            for problem in problems
        ), problems
    # The new figure is a key string the translations now lack.
    assert any("figure `230,000` is missing" in problem for problem in problems)


def test_a_changed_question_makes_its_translations_stale(tree):
    _edit(tree / "questions" / "fundamentals.yaml", "What distinguishes Grok 4 Heavy", "What sets Grok 4 Heavy apart")
    problems = translation_problems(tree.parent)
    assert sum("fun-002: the '" in problem and "out of date" in problem for problem in problems) == 2


def test_a_changed_module_summary_makes_its_translations_stale(tree):
    _edit(tree / "01-fundamentals" / "module.yaml", "reasoning modes, model lifecycle", "reasoning modes, lifecycle")
    problems = translation_problems(tree.parent)
    assert sum("module.yaml" in problem and "out of date" in problem for problem in problems) == 2


def test_a_translation_that_drops_key_strings_is_caught(tree):
    path = tree / "01-fundamentals" / "02-models-and-lifecycle.ja.md"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^```bash\n.*?^```\n", "", text, count=1, flags=re.S | re.M)  # a code block
    text = text.replace("256,000", "25万6000")  # a figure rewritten
    text = text.replace("(model-timeline.png)", "(timeline.png)")  # an image
    text = text.replace("`grok-4-fast`", "grok 4 fast")  # a model name and a code span
    text = text.replace("#when-to-search)", ")")  # a link target
    path.write_text(text, encoding="utf-8")
    problems = "\n".join(translation_problems(tree.parent))
    assert "code block 2 (```bash) is not reproduced verbatim" in problems
    assert "figure `256,000` is missing" in problems
    assert "image model-timeline.png is missing" in problems
    assert "code span `grok-4-fast` is missing" in problems
    assert "link target /courses/grok4-applied/search/search-and-citations/#when-to-search is missing" in problems


def test_a_translation_that_changes_the_heading_structure_is_caught():
    source = "## One\n\nText.\n\n### Two\n\nMore.\n"
    assert key_string_problems(source=source, translation="## 一 {#one}\n\n本文。\n\n### 二 {#two}\n\n続き。\n") == []
    assert key_string_problems(source=source, translation="## 一 {#one}\n\n本文。\n\n## 二 {#two}\n\n続き。\n") == [
        "headings differ: the source has levels [2, 3], the translation [2, 2]"
    ]


def test_a_translated_question_missing_an_option_or_with_a_foreign_id_is_refused(tree):
    path = tree / "questions" / "fundamentals.ja.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fun_002 = next(question for question in data["questions"] if question["id"] == "fun-002")
    fun_002["options"] = [option for option in fun_002["options"] if option["id"] != "c"]
    data["questions"].append({**fun_002, "id": "fun-999"})
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    problems = "\n".join(translation_problems(tree.parent))
    assert "options must match the English ids ['b', 'a', 'c', 'd']: missing ['c'], unknown []" in problems
    assert "question 'fun-999' has no English source in the bank" in problems


def test_translations_of_unknown_languages_or_slugs_are_refused(tree):
    module = tree / "01-fundamentals"
    shutil.copy(module / "01-grok4-family.ja.md", module / "01-grok4-family.fr.md")
    shutil.copy(module / "01-grok4-family.ja.md", module / "04-missing.ja.md")
    _edit(module / "03-secure-setup.ko.md", "slug: secure-setup", "slug: secure-set-up")
    problems = "\n".join(translation_problems(tree.parent))
    assert "01-grok4-family.fr.md:1: unknown language code 'fr'" in problems
    assert "04-missing.ja.md:1: no English source '04-missing.md'" in problems
    assert "slug 'secure-set-up' has no English source" in problems
