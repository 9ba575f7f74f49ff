"""What a name on certificates may contain: what a person's name is written with, in any
script, and nothing that changes how the rest of it reads or hides in the printout."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The certificate layout holds this many characters in three lines at most, above the
# details and the QR code, in the widest glyphs of its fonts (full-width Latin, CJK);
# longer names are printed smaller (see `.holder.long` in certificates/pdf_assets).
CERTIFICATE_NAME_MAX_LENGTH = 70
# Vietnamese stacks two marks on a letter, some Indic and Tibetan syllables three or four;
# a longer run is "Zalgo" text that paints over the lines around it.
_MAX_MARKS_IN_A_ROW = 4
# Punctuation found in names besides hyphens and dashes: initials, suffixes, elisions
# (O'Brien, N’Dour), the middle dots of Catalan and of transliterated names in Chinese and
# Japanese, Hebrew geresh and gershayim, the Arabic comma.
_NAME_PUNCTUATION = frozenset(".,'’‘·・‧׳״،()")
# Zero-width joiners shape Arabic, Persian and Indic names; between Latin, Greek or
# Cyrillic letters (below U+0590) they only hide a difference between two names.
_JOINERS = frozenset("\u200c\u200d")
_FIRST_JOINING_SCRIPT = 0x0590


def _describe(character: str) -> str:
    name = unicodedata.name(character, _("an unassigned character"))
    return f"U+{ord(character):04X} {name}"


def _is_letter_or_mark(character: str) -> bool:
    return unicodedata.category(character)[0] in "LM"


def _joiner_allowed(name: str, index: int) -> bool:
    if index == 0 or index == len(name) - 1:
        return False
    before, after = name[index - 1], name[index + 1]
    return all(_is_letter_or_mark(c) and ord(c) >= _FIRST_JOINING_SCRIPT for c in (before, after))


def certificate_name_validate(name: str) -> None:
    """Raises ValidationError with a message naming the first problem; `name` is already stripped."""
    if len(name) > CERTIFICATE_NAME_MAX_LENGTH:
        raise ValidationError(
            _("At most %(limit)d characters fit on a certificate; this name has %(length)d.")
            % {"limit": CERTIFICATE_NAME_MAX_LENGTH, "length": len(name)},
            code="too_long",
        )
    marks_in_a_row = 0
    for index, character in enumerate(name):
        category = unicodedata.category(character)
        if category.startswith("M"):
            marks_in_a_row += 1
            if index == 0 or marks_in_a_row > _MAX_MARKS_IN_A_ROW:
                raise ValidationError(
                    _("An accent or other mark must follow a letter, and at most %(limit)d can sit on one letter.")
                    % {"limit": _MAX_MARKS_IN_A_ROW},
                    code="marks",
                )
            continue
        marks_in_a_row = 0
        if category.startswith(("L", "Zs")) or category in {"Nd", "Pd"} or character in _NAME_PUNCTUATION:
            continue
        if character in _JOINERS and _joiner_allowed(name, index):
            continue
        if category.startswith(("C", "Z")) or character in _JOINERS:
            # Cc controls, Cf format characters (bidi overrides and isolates, zero-width
            # spaces and joiners, soft hyphens), Co private use, Cn unassigned, line breaks.
            raise ValidationError(
                _(
                    "The name contains an invisible or control character (%(character)s) that can change "
                    "how the printed name reads. Type the name without it."
                )
                % {"character": _describe(character)},
                code="invisible",
            )
        raise ValidationError(
            _(
                "Names on certificates are letters in any script, accents, spaces, hyphens, apostrophes and "
                "periods; “%(character)s” (%(description)s) is not allowed."
            )
            % {"character": character, "description": _describe(character)},
            code="symbol",
        )
    if not any(unicodedata.category(character).startswith("L") for character in name):
        raise ValidationError(_("The name must contain at least one letter."), code="no_letter")
