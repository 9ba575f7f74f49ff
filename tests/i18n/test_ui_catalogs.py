"""The Japanese and Korean UI catalogs: complete, faithful to their placeholders, and current."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

from config.translations import catalog_compile
from tests.requirements import require_program

ROOT = Path(settings.BASE_DIR)
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]*\}")


def _catalog(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_is_translated_and_confirmed(language):
    catalog = _catalog(language)
    untranslated = [entry.msgid for entry in catalog.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert untranslated == [], f"{language}: {len(untranslated)} strings have no translation"
    assert fuzzy == [], f"{language}: {len(fuzzy)} translations are marked fuzzy (out of date with English)"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_every_placeholder(language):
    broken = []
    for entry in _catalog(language).translated_entries():
        pairs = (
            [(entry.msgid, entry.msgstr)]
            if not entry.msgid_plural
            else [(entry.msgid_plural, text) for text in entry.msgstr_plural.values()]
        )
        for source, translation in pairs:
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translation)):
                broken.append(entry.msgid)
    assert broken == []


def test_catalogs_hold_every_string_the_code_marks(tmp_path):
    """Rerunning makemessages adds no string: nothing marked for translation is missing a key."""
    require_program("xgettext", package="gettext")
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".venv", "var", ".git", "tests", "bench", "devtools", "node_modules", "*.mo"),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            *(f"--locale={code}" for code in TRANSLATED),
            "--no-location",
            "--no-obsolete",
            "--ignore=content/*",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    for language in TRANSLATED:
        shipped = {entry.msgid for entry in _catalog(language) if not entry.obsolete}
        current = {entry.msgid for entry in polib.pofile(str(copy / "locale" / language / "LC_MESSAGES" / "django.po"))}
        assert sorted(current - shipped) == [], f"{language}: strings marked in the code but missing from the catalog"
        assert sorted(shipped - current) == [], f"{language}: catalog strings the code no longer uses"


@pytest.mark.parametrize("language", TRANSLATED)
def test_compiled_catalog_translates_at_runtime(language, tmp_path):
    from django.utils import translation

    po_path = tmp_path / "django.po"
    shutil.copy(ROOT / "locale" / language / "LC_MESSAGES" / "django.po", po_path)
    catalog_compile(po_path)
    assert po_path.with_suffix(".mo").stat().st_size > 0
    with translation.override(language):
        assert translation.gettext("Language") == _catalog(language).find("Language").msgstr != "Language"
