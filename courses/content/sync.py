"""`content_sync`: validate the whole tree, then upsert it in one transaction."""

import datetime
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..versions import course_version_snapshot
from . import registry
from .errors import ContentReport, ContentValidationError
from .records import record_upsert, records_unpublish_missing, translations_upsert
from .registry import ChangeLog, CourseRef, CourseSource
from .translations import TextTranslation, parse_translation_map, source_text_hash
from .yamlio import load_yaml_file, require_fields

_COURSE_FIELDS: dict[str, type | tuple] = {"slug": str, "title": str, "version": (str, int, float)}


# The parse result of course.yaml's `translations:`, kept beside the sections' results.
_COURSE_TRANSLATIONS = "course_translations"


@dataclass(frozen=True)
class SyncResult:
    changes: list[str]
    warnings: list[str]
    dry_run: bool
    notes: tuple[str, ...] = ()


def _discover(root: Path, report: ContentReport) -> list[CourseSource]:
    directories = (
        [root]
        if (root / "course.yaml").is_file()
        else sorted(p for p in root.iterdir() if p.is_dir() and (p / "course.yaml").is_file())
    )
    if not directories:
        report.error(root, None, "no course found: expected course.yaml here or in a sub-folder")
    sources: list[CourseSource] = []
    slugs: dict[str, Path] = {}
    for directory in directories:
        spec_path = directory / "course.yaml"
        spec = load_yaml_file(spec_path, report)
        if spec is None or not require_fields(spec, _COURSE_FIELDS, path=spec_path, report=report):
            continue
        if spec["slug"] in slugs:
            report.error(
                spec_path,
                spec.line_of("slug"),
                f"duplicate course slug '{spec['slug']}' (also in {slugs[spec['slug']]})",
            )
            continue
        facts = spec.get("facts_checked_on")
        if facts is not None and not isinstance(facts, datetime.date):
            report.error(spec_path, spec.line_of("facts_checked_on"), "'facts_checked_on' must be a date (YYYY-MM-DD)")
        slugs[spec["slug"]] = spec_path
        sources.append(CourseSource(slug=spec["slug"], directory=directory, spec=spec, spec_path=spec_path))
    return sources


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def content_validate(*, root: Path) -> tuple[ContentReport, list[tuple[CourseSource, dict[str, Any]]]]:
    report = ContentReport(root=root)
    parsed_courses = []
    for source in _discover(root, report):
        parsed: dict[str, Any] = {_COURSE_TRANSLATIONS: _parse_course_translations(source, report)}
        for section in registry.sections():
            parsed[section.name] = section.parse(source, report, parsed)
        parsed_courses.append((source, parsed))
    return report, parsed_courses


def content_sync(*, root: Path, dry_run: bool = False) -> SyncResult:
    """Validate everything under `root` first; write nothing if any file has an error.

    Raises ContentValidationError listing every problem with its file and line.
    A dry run performs the writes in a transaction that is rolled back, so it
    reports exactly what a real run would change.
    """
    from courses.models import Course

    report, parsed_courses = content_validate(root=root)
    if report.errors:
        raise ContentValidationError(report.errors)
    changes = ChangeLog()
    with transaction.atomic():
        for source, parsed in parsed_courses:
            course = _upsert_course(source, changes)
            _upsert_course_translations(course, parsed[_COURSE_TRANSLATIONS], changes)
            ref = CourseRef(id=course.id, slug=course.slug, version=course.version)
            for section in registry.sections():
                section.apply(parsed[section.name], ref, changes)
            if course_version_snapshot(course_id=course.id, now=timezone.now()):
                changes.lines.append(f"recorded course version {course.slug} {course.version}")
        if not (root / "course.yaml").is_file():
            published = {course.slug: course for course in Course.objects.filter(is_published=True)}
            records_unpublish_missing(
                published, present={source.slug for source, _ in parsed_courses}, changes=changes, kind="course"
            )
        if dry_run:
            transaction.set_rollback(True)
    return SyncResult(
        changes=changes.lines,
        warnings=[str(w) for w in report.warnings],
        dry_run=dry_run,
        notes=tuple(report.notes),
    )


def _upsert_course(source: CourseSource, changes: ChangeLog):
    from courses.models import Course

    spec = source.spec
    return record_upsert(
        Course,
        Course.objects.filter(slug=source.slug).first(),
        identity={"slug": source.slug},
        fields={
            "title": spec["title"],
            "summary": str(spec.get("summary", "") or "").strip(),
            "version": str(spec["version"]),
            "facts_checked_on": spec.get("facts_checked_on"),
            "metadata": _plain(
                {k: v for k, v in spec.items() if k not in {"slug", "title", "summary", "version", "translations"}}
            ),
            "is_published": True,
        },
        changes=changes,
        kind="course",
        label=source.slug,
    )


def course_source_hash(spec) -> str:
    """What a course.yaml translation is made from: the title, the summary and the domain names."""
    domains = spec.get("domains") if isinstance(spec.get("domains"), dict) else {}
    return source_text_hash(str(spec["title"]).strip(), str(spec.get("summary", "") or "").strip(), dict(domains))


def _parse_course_translations(source: CourseSource, report: ContentReport) -> tuple[TextTranslation, ...]:
    spec = source.spec
    domains = spec.get("domains") if isinstance(spec.get("domains"), dict) else {}
    entries = parse_translation_map(
        spec,
        fields={"title": True, "summary": bool(spec.get("summary")), "domains": bool(domains)},
        current_hash=course_source_hash(spec),
        path=source.spec_path,
        report=report,
    )
    valid = []
    for entry in entries:
        translated = entry.fields.get("domains") or {}
        line = spec["translations"].line_of(entry.language)
        if not isinstance(translated, dict) or not isinstance(domains, dict):
            report.error(source.spec_path, line, f"the '{entry.language}' translation's 'domains' must be a mapping")
            continue
        missing, unknown = sorted(set(domains) - set(translated)), sorted(set(translated) - set(domains))
        if missing or unknown:
            report.error(
                source.spec_path,
                line,
                f"the '{entry.language}' translation's domains must have the English keys: "
                f"missing {missing}, unknown {unknown}",
            )
            continue
        valid.append(entry)
    return tuple(valid)


def _upsert_course_translations(course, entries: tuple[TextTranslation, ...], changes: ChangeLog) -> None:
    from courses.models import CourseTranslation

    translations_upsert(
        CourseTranslation,
        parent={"course": course},
        by_language={
            entry.language: {
                "title": entry.fields["title"],
                "summary": str(entry.fields.get("summary") or "").strip(),
                "domains": {str(key): str(name) for key, name in (entry.fields.get("domains") or {}).items()},
                "source_hash": entry.source_hash,
                "is_current": entry.is_current,
            }
            for entry in entries
        },
        changes=changes,
        kind="course",
        label=course.slug,
    )
