"""Compile the gettext catalogs under `locale/` with polib, so no system gettext is needed to run.

`python -m config.translations` writes each `django.po` beside itself as `django.mo` when the
`.mo` is missing or older. Fuzzy entries are left out, as msgfmt does: a translation an editor
has not confirmed falls back to English instead of showing a guess.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def catalog_compile(po_path: Path) -> Path:
    mo_path = po_path.with_suffix(".mo")
    catalog = polib.pofile(str(po_path))
    for entry in catalog.fuzzy_entries():
        catalog.remove(entry)
    catalog.save_as_mofile(str(mo_path))
    return mo_path


def catalogs_compile(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Compile every stale catalog; return the `.mo` files written."""
    written = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            written.append(catalog_compile(po_path))
    return written


if __name__ == "__main__":
    for path in catalogs_compile():
        print(f"compiled {path.relative_to(LOCALE_DIR.parent)}", file=sys.stderr)
