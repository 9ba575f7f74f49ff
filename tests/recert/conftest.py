"""A small course synced at version 1, then edited and synced again as version 2."""

import re
from pathlib import Path

import pytest
import time_machine

from tests.assessments.exams.conftest import START, build_course, sync
from tests.certificates.conftest import issuer_created_at


@pytest.fixture
def signing_issuer(tmp_path, settings):
    """The renewal's PDF is really signed, under the tests' frozen clock: by an issuer valid from
    START, which the shared one (made at the real time the run starts) is not, once today is
    later than the frozen clock."""
    return issuer_created_at(tmp_path, settings, START)


def bump_version(root: Path, version: str) -> None:
    spec = root / "demo-course" / "course.yaml"
    spec.write_text(re.sub(r'version: "[^"]*"', f'version: "{version}"', spec.read_text()))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def release_version_2(root: Path) -> None:
    """Version 2: question prm-002 reworded, the tools lesson rewritten (so tool-001 and
    tool-002, which point at it, are asked again), a new question prm-005 added."""
    course = root / "demo-course"
    edit(course / "questions" / "bank.yaml", "stem: Question prm-002?", "stem: Question prm-002, reworded?")
    bank = (course / "questions" / "bank.yaml").read_text()
    extra = bank.split("  - id: prm-001\n")[1].split("  - id:")[0].replace("prm-001", "prm-005")
    (course / "questions" / "bank.yaml").write_text(bank + "  - id: prm-005\n" + extra)
    edit(course / "02-tools" / "01-calls.md", "## The request\n\nText.", "## The request\n\nNew API route.")
    bump_version(root, "2")


@pytest.fixture
def course_root(tmp_path: Path) -> Path:
    root = build_course(tmp_path / "content")
    edit(root / "demo-course" / "course.yaml", "certificate:\n", "certificate:\n  validity_months: 24\n")
    # Version 1 is recorded at START, before any test's clock; synced at the real time it would
    # date after a later version whenever a test's frozen clock falls before today.
    with time_machine.travel(START, tick=False):
        sync(root)
    return root
