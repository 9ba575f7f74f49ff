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
