"""The course's own section: modules as folders, lessons as Markdown with front matter."""

import dataclasses
import functools
import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .errors import ContentReport
from .markdown import render_markdown
from .reading_time import lesson_minutes
from .records import record_upsert, records_unpublish_missing, translations_upsert
from .registry import ChangeLog, CourseRef, CourseSource
from .translations import (
    TextTranslation,
    key_string_problems,
    language_problem,
    lesson_source_hash,
    parse_translation_map,
    source_files,
    source_hash_problem,
    source_text_hash,
    stale_message,
    translation_file,
)
from .yamlio import load_yaml_file, require_fields, split_front_matter

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^":/?#][^"]*)(")')


@dataclass(frozen=True)
class LessonTranslationSource:
    language: str
    title: str
    body_html: str
    toc_html: str
    path: str
    source_hash: str
    is_current: bool


@dataclass(frozen=True)
class LessonSource:
    slug: str
    title: str
    order: int
    minutes: int
    body_html: str
    toc_html: str
    heading_ids: frozenset[str]
    path: str
    source_hash: str
    slug_line: int
    # The English title and body as the translations' `source_hash` covers them.
    text_hash: str
    body: str
    translations: tuple[LessonTranslationSource, ...] = ()


@dataclass(frozen=True)
class ModuleSource:
    slug: str
    title: str
    summary: str
    order: int
    directory: Path
    lessons: tuple[LessonSource, ...]
    images: tuple[Path, ...]
    practice_questions: int
    slug_line: int
    translations: tuple[TextTranslation, ...] = ()


@dataclass(frozen=True)
class CourseLessons:
    modules: tuple[ModuleSource, ...]

    def anchors(self) -> dict[str, frozenset[str]]:
        """`module-slug/lesson-slug` -> the heading ids in that lesson."""
        return {f"{m.slug}/{lesson.slug}": lesson.heading_ids for m in self.modules for lesson in m.lessons}


def module_source_hash(*, title: str, summary: str) -> str:
    return source_text_hash(title.strip(), summary.strip())


def asset_url(course_slug: str, module_slug: str, filename: str) -> str:
    return f"{settings.MEDIA_URL}content/{course_slug}/{module_slug}/{filename}"


def _check_slug(value, *, field_line: int, path: Path, report: ContentReport) -> bool:
    if not _SLUG.match(str(value)):
        report.error(path, field_line, f"slug '{value}' must be lowercase letters, digits and single hyphens")
        return False
    return True


class LessonSection:
    name = "lessons"

    def parse(self, source: CourseSource, report: ContentReport, parsed: dict) -> CourseLessons:
        modules: list[ModuleSource] = []
        module_slugs: dict[str, Path] = {}
        lesson_slugs: dict[str, Path] = {}
        for module_dir in sorted(p for p in source.directory.iterdir() if (p / "module.yaml").is_file()):
            module = self._parse_module(module_dir, source, report, lesson_slugs)
            if module is None:
                continue
            if module.slug in module_slugs:
                report.error(
                    module_dir / "module.yaml",
                    module.slug_line,
                    f"duplicate module slug '{module.slug}' (also in {module_slugs[module.slug]})",
                )
                continue
            module_slugs[module.slug] = module_dir / "module.yaml"
            modules.append(module)
        if not modules:
            report.error(source.spec_path, 1, "the course has no modules (folders with a module.yaml)")
        modules.sort(key=lambda m: (m.order, m.slug))
        return CourseLessons(modules=tuple(modules))

    def _parse_module(
        self, module_dir: Path, source: CourseSource, report: ContentReport, lesson_slugs: dict[str, Path]
    ) -> ModuleSource | None:
        spec_path = module_dir / "module.yaml"
        spec = load_yaml_file(spec_path, report)
        if spec is None or not require_fields(
            spec, {"title": str, "slug": str, "order": int}, path=spec_path, report=report
        ):
            return None
        if not _check_slug(spec["slug"], field_line=spec.line_of("slug"), path=spec_path, report=report):
            return None
        lessons = []
        for lesson_path in source_files(module_dir.glob("*.md")):
            lesson = self._parse_lesson(lesson_path, module_dir, source, spec["slug"], report)
            if lesson is None:
                continue
            if lesson.slug in lesson_slugs:
                report.error(
                    lesson_path,
                    lesson.slug_line,
                    f"duplicate lesson slug '{lesson.slug}' (also in {lesson_slugs[lesson.slug]})",
                )
                continue
            lesson_slugs[lesson.slug] = lesson_path
            lessons.append(lesson)
        if not lessons:
            report.warn(spec_path, 1, "the module has no lessons")
        orders = [lesson.order for lesson in lessons]
        if len(orders) != len(set(orders)):
            report.warn(spec_path, 1, "two lessons in this module share an 'order' value")
        lessons = self._attach_translations(lessons, module_dir, source, spec["slug"], report)
        lessons.sort(key=lambda item: (item.order, item.slug))
        practice = spec.get("practice_questions", 5)
        if not isinstance(practice, int) or practice < 0:
            report.error(spec_path, spec.line_of("practice_questions"), "'practice_questions' must be a whole number")
            practice = 0
        return ModuleSource(
            slug=spec["slug"],
            title=spec["title"],
            summary=str(spec.get("summary", "") or ""),
            order=spec["order"],
            directory=module_dir,
            lessons=tuple(lessons),
            images=tuple(sorted(p for p in module_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)),
            practice_questions=practice,
            slug_line=spec.line_of("slug"),
            translations=parse_translation_map(
                spec,
                fields={"title": True, "summary": bool(spec.get("summary"))},
                current_hash=module_source_hash(title=spec["title"], summary=str(spec.get("summary", "") or "")),
                path=spec_path,
                report=report,
            ),
        )

    def _attach_translations(
        self,
        lessons: list[LessonSource],
        module_dir: Path,
        source: CourseSource,
        module_slug: str,
        report: ContentReport,
    ) -> list[LessonSource]:
        """Parse every `<lesson>.<language>.md` beside its English lesson and hang it on that lesson."""
        by_file = {Path(lesson.path).name: lesson for lesson in lessons}
        found: dict[str, list[LessonTranslationSource]] = {}
        for path in sorted(module_dir.glob("*.md")):
            translated = translation_file(path)
            if translated is None:
                continue
            if (problem := language_problem(translated.language)) is not None:
                report.error(path, 1, problem)
                continue
            english = by_file.get(translated.source_path.name)
            if english is None:
                report.error(path, 1, f"no English source '{translated.source_path.name}' beside this translation")
                continue
            lesson = self._parse_translation(
                path, translated.language, english, module_dir, source, module_slug, report
            )
            if lesson is not None:
                found.setdefault(english.slug, []).append(lesson)
        return [dataclasses.replace(lesson, translations=tuple(found.get(lesson.slug, ()))) for lesson in lessons]

    def _parse_translation(
        self,
        path: Path,
        language: str,
        english: LessonSource,
        module_dir: Path,
        source: CourseSource,
        module_slug: str,
        report: ContentReport,
    ) -> LessonTranslationSource | None:
        split = split_front_matter(path, report)
        if split is None:
            return None
        front, body, body_line = split
        if not require_fields(front, {"title": str, "slug": str}, path=path, report=report):
            return None
        if (problem := source_hash_problem(front.get("source_hash"), english.text_hash)) is not None:
            report.error(path, front.line_of("source_hash"), problem)
            return None
        if front["slug"] != english.slug:
            report.error(
                path,
                front.line_of("slug"),
                f"slug '{front['slug']}' has no English source: the translation of "
                f"{Path(english.path).name} must keep its slug '{english.slug}'",
            )
            return None
        for name in front:
            if name not in {"title", "slug", "source_hash"}:
                report.warn(path, front.line_of(name), f"'{name}' is ignored: the English lesson sets it")
        rendered = render_markdown(body)
        if rendered.heading_ids != english.heading_ids:
            missing = sorted(english.heading_ids - rendered.heading_ids)
            extra = sorted(rendered.heading_ids - english.heading_ids)
            report.error(
                path,
                body_line,
                "headings must keep the English ids (write `## Translated heading {#english-id}`) so that links "
                f"and question references land: missing {missing}, not in the English {extra}",
            )
            return None
        html = self._link_images(rendered.html, body, body_line, path, module_dir, source.slug, module_slug, report)
        if front["source_hash"] != english.text_hash:
            report.warn(
                path, front.line_of("source_hash"), stale_message(language, front["source_hash"], english.text_hash)
            )
        for problem in key_string_problems(source=english.body, translation=body):
            report.warn(path, body_line, f"key string: {problem}")
        return LessonTranslationSource(
            language=language,
            title=front["title"],
            body_html=html,
            toc_html=rendered.toc_html,
            path=str(path.relative_to(source.directory.parent)),
            source_hash=front["source_hash"],
            is_current=front["source_hash"] == english.text_hash,
        )

    def _parse_lesson(
        self, path: Path, module_dir: Path, source: CourseSource, module_slug: str, report: ContentReport
    ) -> LessonSource | None:
        split = split_front_matter(path, report)
        if split is None:
            return None
        front, body, body_line = split
        if not require_fields(front, {"title": str, "slug": str, "order": int}, path=path, report=report):
            return None
        if not _check_slug(front["slug"], field_line=front.line_of("slug"), path=path, report=report):
            return None
        minutes = lesson_minutes(body=body)
        if "minutes" in front:
            report.warn(
                path,
                front.line_of("minutes"),
                f"'minutes' is ignored: the time is computed from the text ({minutes} min); remove the field",
            )
        rendered = render_markdown(body)
        html = self._link_images(rendered.html, body, body_line, path, module_dir, source.slug, module_slug, report)
        return LessonSource(
            slug=front["slug"],
            title=front["title"],
            order=front["order"],
            minutes=minutes,
            body_html=html,
            toc_html=rendered.toc_html,
            heading_ids=rendered.heading_ids,
            path=str(path.relative_to(source.directory.parent)),
            source_hash=hashlib.sha256(path.read_bytes()).hexdigest(),
            slug_line=front.line_of("slug"),
            text_hash=lesson_source_hash(title=front["title"], body=body),
            body=body,
        )

    @staticmethod
    def _link_images(
        html: str,
        body: str,
        body_line: int,
        path: Path,
        module_dir: Path,
        course_slug: str,
        module_slug: str,
        report: ContentReport,
    ) -> str:
        def replace(match: re.Match) -> str:
            name = match.group(2)
            if not (module_dir / name).is_file() or "/" in name or name.startswith("."):
                line = next((body_line + i for i, text in enumerate(body.splitlines()) if name in text), None)
                report.error(path, line, f"image '{name}' not found beside the lesson")
                return match.group(0)
            return f"{match.group(1)}{asset_url(course_slug, module_slug, name)}{match.group(3)}"

        return _IMG_SRC.sub(replace, html)

    def apply(self, value: CourseLessons, course: CourseRef, changes: ChangeLog) -> None:
        from courses.models import Lesson, LessonTranslation, Module, ModuleTranslation

        existing_modules = {m.slug: m for m in Module.objects.filter(course_id=course.id)}
        existing_lessons = {lesson.slug: lesson for lesson in Lesson.objects.filter(module__course_id=course.id)}
        for module_source in value.modules:
            module = record_upsert(
                Module,
                existing_modules.get(module_source.slug),
                identity={"course_id": course.id, "slug": module_source.slug},
                fields={
                    "title": module_source.title,
                    "summary": module_source.summary,
                    "order": module_source.order,
                    "practice_questions": module_source.practice_questions,
                    "is_published": True,
                },
                changes=changes,
                kind="module",
                label=module_source.slug,
            )
            translations_upsert(
                ModuleTranslation,
                parent={"module": module},
                by_language={
                    entry.language: {
                        "title": entry.fields["title"],
                        "summary": str(entry.fields.get("summary") or "").strip(),
                        "source_hash": entry.source_hash,
                        "is_current": entry.is_current,
                    }
                    for entry in module_source.translations
                },
                changes=changes,
                kind="module",
                label=module_source.slug,
            )
            for lesson in module_source.lessons:
                lesson_record = record_upsert(
                    Lesson,
                    existing_lessons.get(lesson.slug),
                    identity={"slug": lesson.slug},
                    fields={
                        "module": module,
                        "title": lesson.title,
                        "order": lesson.order,
                        "estimated_minutes": lesson.minutes,
                        "body_html": lesson.body_html,
                        "toc_html": lesson.toc_html,
                        "source_path": lesson.path,
                        "source_hash": lesson.source_hash,
                        "is_published": True,
                    },
                    changes=changes,
                    kind="lesson",
                    label=f"{module.slug}/{lesson.slug}",
                )
                translations_upsert(
                    LessonTranslation,
                    parent={"lesson": lesson_record},
                    by_language={
                        entry.language: {
                            "title": entry.title,
                            "body_html": entry.body_html,
                            "toc_html": entry.toc_html,
                            "source_path": entry.path,
                            "source_hash": entry.source_hash,
                            "is_current": entry.is_current,
                        }
                        for entry in lesson.translations
                    },
                    changes=changes,
                    kind="lesson",
                    label=f"{module.slug}/{lesson.slug}",
                )
            transaction.on_commit(functools.partial(_copy_images, course.slug, module_source))
        records_unpublish_missing(
            existing_modules, present={m.slug for m in value.modules}, changes=changes, kind="module"
        )
        records_unpublish_missing(
            existing_lessons,
            present={lesson.slug for m in value.modules for lesson in m.lessons},
            changes=changes,
            kind="lesson",
        )


def _copy_images(course_slug: str, module: ModuleSource) -> None:
    target = Path(settings.MEDIA_ROOT) / "content" / course_slug / module.slug
    target.mkdir(parents=True, exist_ok=True)
    for image in module.images:
        destination = target / image.name
        if not destination.exists() or destination.read_bytes() != image.read_bytes():
            shutil.copyfile(image, destination)
