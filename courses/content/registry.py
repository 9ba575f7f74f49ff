"""Sections of the content tree. Each app registers the part of `content/` it owns.

A section parses its files for one course (reporting problems, writing nothing), and
later applies what it parsed inside the sync's transaction. Sections run in the
order they were registered, so a later one can check references against an earlier
one's parse result (questions against lesson anchors, for instance).
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .errors import ContentReport
from .yamlio import LineDict


@dataclass(frozen=True)
class CourseSource:
    slug: str
    directory: Path
    spec: LineDict
    spec_path: Path


@dataclass(frozen=True)
class CourseRef:
    id: int
    slug: str
    version: str


@dataclass
class ChangeLog:
    lines: list[str] = field(default_factory=list)

    def created(self, kind: str, label: str) -> None:
        self.lines.append(f"created {kind} {label}")

    def updated(self, kind: str, label: str) -> None:
        self.lines.append(f"updated {kind} {label}")

    def unpublished(self, kind: str, label: str) -> None:
        self.lines.append(f"unpublished {kind} {label}")


class ContentSection(Protocol):
    name: str

    def parse(self, source: CourseSource, report: ContentReport, parsed: dict[str, Any]) -> Any:
        """Read and validate this section's files; record problems in `report`."""

    def apply(self, value: Any, course: CourseRef, changes: ChangeLog) -> None:
        """Write the parsed value; called inside the sync transaction."""


_sections: list[ContentSection] = []


def register(section: ContentSection) -> None:
    if any(existing.name == section.name for existing in _sections):
        return
    _sections.append(section)


def sections() -> list[ContentSection]:
    return list(_sections)
