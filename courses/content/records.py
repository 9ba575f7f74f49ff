"""The write half shared by every content section: upsert by key, unpublish what vanished."""

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import models

from .registry import ChangeLog

Record = TypeVar("Record", bound=models.Model)


def record_upsert(
    model: type[Record],
    current: Record | None,
    *,
    identity: Mapping[str, Any],
    fields: Mapping[str, Any],
    changes: ChangeLog,
    kind: str,
    label: str,
) -> Record:
    """Create the record, or save only the fields that differ; log what happened.

    `identity` holds the fields that locate a new record (course, slug...). A second sync
    of unchanged content writes nothing, so it reports no changes.
    """
    if current is None:
        record = model._default_manager.create(**identity, **fields)
        changes.created(kind, label)
        return record
    changed = [name for name, value in fields.items() if getattr(current, name) != value]
    if changed:
        for name in changed:
            setattr(current, name, fields[name])
        current.save(update_fields=changed)
        changes.updated(kind, label)
    return current


def records_unpublish_missing(existing: Mapping[str, Any], *, present: set[str], changes: ChangeLog, kind: str) -> None:
    """Content removed from the tree is unpublished, never deleted: learner records point at it."""
    for key, record in existing.items():
        if key not in present and record.is_published:
            record.is_published = False
            record.save(update_fields=["is_published"])
            changes.unpublished(kind, key)


def translations_upsert(
    model: type[models.Model],
    *,
    parent: Mapping[str, Any],
    by_language: Mapping[str, Mapping[str, Any]],
    changes: ChangeLog,
    kind: str,
    label: str,
) -> None:
    """Write one record per language for `parent` (`{"lesson": lesson}`); delete the languages whose
    translation left the tree. Unlike English content, nothing a learner did points at a translation."""
    rows = model._default_manager.filter(**parent)
    existing = {row.language: row for row in rows}  # type: ignore[attr-defined]  # every translation model has it
    for language, fields in by_language.items():
        record_upsert(
            model,
            existing.get(language),
            identity={**parent, "language": language},
            fields=fields,
            changes=changes,
            kind=f"{kind} translation",
            label=f"{label} ({language})",
        )
    for language, row in existing.items():
        if language not in by_language:
            row.delete()
            changes.lines.append(f"deleted {kind} translation {label} ({language})")
