"""Translated content beside its English source (format: content/README.md, "Translations").

A translation is a file named like its source with a language code before the extension
(`01-grok4-family.ja.md`, `questions/fundamentals.ko.yaml`) or a `translations:` entry in
module.yaml and course.yaml. Each carries `source_hash`, the short hash of the English text it
was translated from, so the sync and the content tests can tell when the English moved on.
English stays the source of truth: slugs, ids, option ids, order and everything graded come
from the English files only.
"""

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .errors import ContentReport
from .yamlio import LineDict

SOURCE_LANGUAGE = "en"
_LANGUAGE_SUFFIX = re.compile(r"^(?P<stem>.+)\.(?P<language>[a-z]{2,3}(?:-[a-z0-9]+)?)$")


def translation_languages() -> tuple[str, ...]:
    """The languages content may be translated into: the site's languages except English."""
    return tuple(code for code, _ in settings.LANGUAGES if code != SOURCE_LANGUAGE)


@dataclass(frozen=True)
class TranslationFile:
    path: Path
    source_path: Path
    language: str


def translation_file(path: Path) -> TranslationFile | None:
    """`01-intro.ja.md` -> its language and the English file it translates; None for a source file."""
    match = _LANGUAGE_SUFFIX.match(path.stem)
    if match is None:
        return None
    return TranslationFile(
        path=path, source_path=path.with_name(match["stem"] + path.suffix), language=match["language"]
    )


def source_files(paths) -> list[Path]:
    """The English files among `paths` (translations set aside), sorted."""
    return sorted(path for path in paths if translation_file(path) is None)


def source_text_hash(*parts: object) -> str:
    """The short hash a translation records as `source_hash`: of the translatable English text only,
    so renumbering a lesson or changing a question's points does not make its translations stale."""
    text = json.dumps(list(parts), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def lesson_source_hash(*, title: str, body: str) -> str:
    return source_text_hash(title.strip(), body.strip())


# --- key strings: what a translation must carry over from its source unchanged -------------------
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>```|~~~)[^\n]*\n.*?^(?P=indent)(?P=fence)[ \t]*$", re.M | re.S)
_HEADING = re.compile(r"^(#{1,6})[ \t]+\S", re.M)
_LINK_TARGET = re.compile(r"\]\(([^)\s]+)[^)]*\)|\bhref=\"([^\"]+)\"")
_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)[^)]*\)|<img\b[^>]*\bsrc=\"([^\"]+)\"")
_CODE_SPAN = re.compile(r"`([^`\n]+)`|<code>([^<]+)</code>")
_MODEL_NAME = re.compile(r"\bgrok-[a-z0-9](?:[a-z0-9.*-]*[a-z0-9*])?", re.I)
_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.,])\d+(?:\.\d+)?")


@dataclass(frozen=True)
class KeyStrings:
    """What a translated lesson must keep from its English source, as the content tests define it."""

    heading_levels: tuple[int, ...]
    code_blocks: tuple[str, ...]
    link_targets: Counter
    images: Counter
    code_spans: frozenset[str]
    model_names: frozenset[str]
    numbers: frozenset[str]


def key_strings(markdown: str) -> KeyStrings:
    fences = [match.group(0) for match in _FENCE.finditer(markdown)]
    prose = _FENCE.sub("", markdown)
    return KeyStrings(
        heading_levels=tuple(len(match.group(1)) for match in _HEADING.finditer(prose)),
        code_blocks=tuple(_dedent_fence(block) for block in fences),
        link_targets=Counter(a or b for a, b in _LINK_TARGET.findall(_IMAGE.sub("", prose))),
        images=Counter(a or b for a, b in _IMAGE.findall(prose)),
        code_spans=frozenset(a or b for a, b in _CODE_SPAN.findall(prose)),
        model_names=frozenset(name.lower() for name in _MODEL_NAME.findall(markdown)),
        numbers=frozenset(_NUMBER.findall(_CODE_SPAN.sub("", prose))),
    )


def _dedent_fence(block: str) -> str:
    lines = block.splitlines()
    indent = len(lines[0]) - len(lines[0].lstrip())
    return "\n".join(line[indent:] for line in lines)


def key_string_problems(*, source: str, translation: str) -> list[str]:
    """Every key string of the English lesson body the translated body lost or changed.

    Key strings: the heading structure (how many headings, at which levels, in which order),
    every fenced code block verbatim, every link target and image, every inline code span,
    every model name (`grok-4.3`) and every figure (`256,000`, `64.78`)."""
    want, have = key_strings(source), key_strings(translation)
    problems = []
    if want.heading_levels != have.heading_levels:
        problems.append(
            f"headings differ: the source has levels {list(want.heading_levels)}, "
            f"the translation {list(have.heading_levels)}"
        )
    for index, block in enumerate(want.code_blocks, start=1):
        if block not in have.code_blocks:
            first_line = block.splitlines()[0] if block else ""
            problems.append(f"code block {index} ({first_line}) is not reproduced verbatim")
    if len(have.code_blocks) != len(want.code_blocks):
        problems.append(
            f"{len(want.code_blocks)} code blocks in the source, {len(have.code_blocks)} in the translation"
        )
    for label, wanted, found in (
        ("link target", want.link_targets, have.link_targets),
        ("image", want.images, have.images),
    ):
        for target in sorted((wanted - found).keys()):
            problems.append(f"{label} {target} is missing")
        for target in sorted((found - wanted).keys()):
            problems.append(f"{label} {target} is not in the source")
    for label, wanted_set, found_set in (
        ("code span", want.code_spans, have.code_spans),
        ("model name", want.model_names, have.model_names),
        ("figure", want.numbers, have.numbers),
    ):
        for item in sorted(wanted_set - found_set):
            problems.append(f"{label} `{item}` is missing")
    return problems


# --- translations written inside module.yaml and course.yaml ------------------------------------
@dataclass(frozen=True)
class TextTranslation:
    """One language's `translations:` entry of module.yaml or course.yaml."""

    language: str
    fields: dict
    source_hash: str
    is_current: bool


def language_problem(language: object) -> str | None:
    if language in translation_languages():
        return None
    return f"unknown language code '{language}' (translations may be in: {', '.join(translation_languages())})"


def parse_translation_map(
    spec: LineDict, *, fields: dict[str, bool], current_hash: str, path: Path, report: ContentReport
) -> tuple[TextTranslation, ...]:
    """The `translations:` map of a YAML spec: language -> {source_hash, and `fields`}.

    `fields` maps each translatable field to whether the English spec has it (then the translation
    must too). Problems are reported with their line; an out-of-date entry is a warning (it is kept
    and marked stale, so pages fall back to English) that names the hash to record once updated."""
    raw = spec.get("translations")
    if raw is None:
        return ()
    if not isinstance(raw, LineDict):
        report.error(path, spec.line_of("translations"), "'translations' must map language codes to their text")
        return ()
    entries = []
    for language, entry in raw.items():
        line = raw.line_of(language)
        if (problem := language_problem(language)) is not None:
            report.error(path, line, problem)
            continue
        if not isinstance(entry, LineDict):
            report.error(path, line, f"the '{language}' translation must be a mapping")
            continue
        entry_line = entry.line_of
        ok = True
        for name, required in fields.items():
            value = entry.get(name)
            if required and (value is None or value == ""):
                report.error(path, line, f"the '{language}' translation is missing '{name}'")
                ok = False
        for name in entry:
            if name not in fields and name != "source_hash":
                report.error(path, entry_line(name), f"'{name}' cannot be translated here")
                ok = False
        if (problem := source_hash_problem(entry.get("source_hash"), current_hash)) is not None:
            report.error(path, entry_line("source_hash"), f"the '{language}' translation: {problem}")
            continue
        source_hash = str(entry["source_hash"])
        if not ok:
            continue
        if source_hash != current_hash:
            report.warn(path, entry_line("source_hash"), stale_message(language, source_hash, current_hash))
        entries.append(
            TextTranslation(
                language=language,
                fields={name: entry[name] for name in fields if name in entry},
                source_hash=source_hash,
                is_current=source_hash == current_hash,
            )
        )
    return tuple(entries)


def source_hash_problem(value: object, current: str) -> str | None:
    """Why a `source_hash` value cannot be compared, or None. A hash of digits only reads as a number."""
    if isinstance(value, str) and value:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f'write source_hash in quotes so that it reads as text: source_hash: "{current}"'
    return f"a translation needs 'source_hash: \"{current}\"' (the English text it was made from)"


def stale_message(language: str, recorded: str, current: str) -> str:
    return (
        f"the '{language}' translation is out of date: it was made from source_hash {recorded}, the English "
        f"is now {current}; update the translation, then record 'source_hash: \"{current}\"'"
    )
