"""What some tests need from outside Python, and how a missing piece is reported.

On a developer's machine a test whose system package or server is missing is skipped with a
message that names what to install, and the run ends with a banner counting those skips. With
`CERTIFY_REQUIRE_ALL=1` (set by `.ci/run`) the same test fails instead, so CI can never pass
while silently leaving them out.
"""

import os
import shutil
import subprocess
from functools import cache

import pytest

REQUIRE_ALL = os.environ.get("CERTIFY_REQUIRE_ALL") == "1"
MISSING_PREFIX = "missing requirement: "
APT_LINE = (
    "apt-get install chromium libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 "
    "fonts-dejavu-core fonts-noto-core fonts-noto-cjk poppler-utils docker-compose gettext"
)


def _missing(what: str) -> None:
    message = MISSING_PREFIX + what
    if REQUIRE_ALL:
        pytest.fail(message + " (CERTIFY_REQUIRE_ALL=1 turns this skip into a failure)", pytrace=False)
    pytest.skip(message)


def require_program(program: str, *, package: str) -> None:
    if shutil.which(program) is None:
        _missing(f"the `{program}` program from Debian's `{package}` package (apt-get install {package})")


def require_path(path: str, *, package: str) -> None:
    if not os.path.exists(path):
        _missing(f"{path} from Debian's `{package}` package (apt-get install {package})")


@cache
def _font_families() -> frozenset[str]:
    if shutil.which("fc-list") is None:
        return frozenset()
    listing = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, timeout=30).stdout
    return frozenset(family.strip() for line in listing.splitlines() for family in line.split(","))


def require_font(family_prefix: str, *, package: str) -> None:
    if not any(family.startswith(family_prefix) for family in _font_families()):
        _missing(f"a `{family_prefix}` font from Debian's `{package}` package (apt-get install {package})")


def require_postgresql(vendor: str, why: str) -> None:
    if vendor != "postgresql":
        _missing(f"PostgreSQL ({why}); set DATABASE_URL=postgres://... to run it")


def require_redis(redis_url: str, why: str) -> None:
    if not redis_url:
        _missing(f"Redis ({why}); set REDIS_URL=redis://... to run it")


def missing_requirement_summary(terminalreporter) -> None:
    """A banner at the end of the run listing every test skipped for a missing requirement."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if isinstance(report.longrepr, tuple) and MISSING_PREFIX in str(report.longrepr[2])
    ]
    if not skipped:
        return
    terminalreporter.write_sep("!", f"{len(skipped)} tests did not run: a requirement is missing", yellow=True)
    reasons = sorted({str(report.longrepr[2]).removeprefix("Skipped: ") for report in skipped})
    for reason in reasons:
        terminalreporter.write_line(f"  {reason}", yellow=True)
    if any("apt-get" in reason for reason in reasons):
        terminalreporter.write_line(f"  Every system package at once: {APT_LINE}", yellow=True)
