"""`content_sync`: validate the whole tree, then upsert it in one transaction."""

import datetime
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from . import registry
from .errors import ContentReport, ContentValidationError
from .records import record_upsert, records_unpublish_missing
from .registry import ChangeLog, CourseRef, CourseSource
from .yamlio import load_yaml_file, require_fields

_COURSE_FIELDS: dict[str, type | tuple] = {"slug": str, "title": str, "version": (str, int, float)}


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
        parsed: dict[str, Any] = {}
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
            ref = CourseRef(id=course.id, slug=course.slug, version=course.version)
            for section in registry.sections():
                section.apply(parsed[section.name], ref, changes)
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
            "metadata": _plain({k: v for k, v in spec.items() if k not in {"slug", "title", "summary", "version"}}),
            "is_published": True,
        },
        changes=changes,
        kind="course",
        label=source.slug,
    )
