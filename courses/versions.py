"""Course versions: a snapshot per version and the delta between two of them.

A certificate records the course version it was earned on. When a sync brings a new
version, the snapshot of each version lets the platform say exactly which lessons,
questions and demo tasks changed, so recertification covers only that.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from .models import Course, CourseVersion, Lesson


@dataclass(frozen=True)
class CourseVersionInfo:
    course_id: int
    version: str
    created_at: datetime.datetime


@dataclass(frozen=True)
class CourseVersionDelta:
    course_id: int
    from_version: str
    to_version: str
    # False when no snapshot of `from_version` exists (certified before snapshots were
    # kept): nothing can be proven unchanged, so everything counts as changed.
    from_known: bool
    lessons_changed: tuple[str, ...]
    lessons_added: tuple[str, ...]
    lessons_removed: tuple[str, ...]
    questions_changed: tuple[str, ...]
    questions_added: tuple[str, ...]
    questions_removed: tuple[str, ...]
    demos_changed: tuple[str, ...]
    demos_added: tuple[str, ...]
    # Questions the delta exam draws from: changed or new ones, and any whose lesson changed.
    exam_question_ids: tuple[str, ...]

    @property
    def lessons_to_read(self) -> tuple[str, ...]:
        return self.lessons_changed + self.lessons_added

    @property
    def demos_to_redo(self) -> tuple[str, ...]:
        return self.demos_changed + self.demos_added

    @property
    def is_empty(self) -> bool:
        return not (self.lessons_to_read or self.lessons_removed or self.exam_question_ids or self.demos_to_redo)


ManifestSource = Callable[[int], dict]
_manifest_sources: dict[str, ManifestSource] = {}


def register_version_manifest(name: str, source: ManifestSource) -> None:
    """Another app adds its part of a version snapshot: `source(course_id)` maps each item's
    key to its content hash, or to a dict with a "hash" (questions add their "lesson")."""
    _manifest_sources.setdefault(name, source)


def course_manifest(*, course_id: int) -> dict:
    """Content hashes of the course as it is now: lessons from here, the rest from registered sources."""
    lessons = Lesson.objects.filter(module__course_id=course_id, is_published=True, module__is_published=True)
    manifest = {name: source(course_id) for name, source in _manifest_sources.items()}
    manifest["lessons"] = {
        f"{module_slug}/{slug}": source_hash
        for module_slug, slug, source_hash in lessons.values_list("module__slug", "slug", "source_hash")
    }
    return manifest


def course_version_snapshot(*, course_id: int, now: datetime.datetime) -> bool:
    """Record the course's current version if it is new; True when this call recorded it."""
    course = Course.objects.get(pk=course_id)
    with transaction.atomic():
        _, created = CourseVersion.objects.get_or_create(
            course=course,
            version=course.version,
            defaults={"manifest": course_manifest(course_id=course_id), "created_at": now},
        )
    return created


def course_version_list(*, course_id: int) -> list[CourseVersionInfo]:
    return [
        CourseVersionInfo(course_id=course_id, version=version, created_at=created_at)
        for version, created_at in CourseVersion.objects.filter(course_id=course_id).values_list(
            "version", "created_at"
        )
    ]


def _changed(old: dict, new: dict) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    changed = tuple(sorted(key for key in new.keys() & old.keys() if _hash(new[key]) != _hash(old[key])))
    added = tuple(sorted(new.keys() - old.keys()))
    removed = tuple(sorted(old.keys() - new.keys()))
    return changed, added, removed


def _hash(entry) -> str:
    return entry["hash"] if isinstance(entry, dict) else entry


def course_version_delta(*, course_id: int, from_version: str, to_version: str) -> CourseVersionDelta | None:
    """What changed from `from_version` to `to_version`; None when `to_version` has no snapshot.
    An unknown `from_version` counts as everything changed."""
    target = CourseVersion.objects.filter(course_id=course_id, version=to_version).first()
    if target is None:
        return None
    new = target.manifest
    old_row = CourseVersion.objects.filter(course_id=course_id, version=from_version).first()
    # Compared with an empty manifest, every item of an unknown version reads as added.
    old = old_row.manifest if old_row else {}
    lessons_changed, lessons_added, lessons_removed = _changed(old.get("lessons", {}), new.get("lessons", {}))
    questions_changed, questions_added, questions_removed = _changed(old.get("questions", {}), new.get("questions", {}))
    demos_changed, demos_added, _ = _changed(old.get("demos", {}), new.get("demos", {}))
    touched_lessons = set(lessons_changed) | set(lessons_added)
    exam_questions = set(questions_changed) | set(questions_added)
    exam_questions |= {
        external_id
        for external_id, entry in new.get("questions", {}).items()
        if entry["lesson"].partition("#")[0] in touched_lessons
    }
    return CourseVersionDelta(
        course_id=course_id,
        from_version=from_version,
        to_version=to_version,
        from_known=old_row is not None,
        lessons_changed=lessons_changed,
        lessons_added=lessons_added,
        lessons_removed=lessons_removed,
        questions_changed=questions_changed,
        questions_added=questions_added,
        questions_removed=questions_removed,
        demos_changed=demos_changed,
        demos_added=demos_added,
        exam_question_ids=tuple(sorted(exam_questions)),
    )
