"""Scoring of one answer, per question kind. Pure functions: no database.

A response is stored as plain JSON whose shape depends on the kind:
single -> option id, multiple -> list of option ids, true_false -> bool,
numeric and short_text -> the text typed, ordering -> list of option ids.
"""

import re
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext, gettext_lazy

from assessments.models.exams import QuestionKind

_WHITESPACE = re.compile(r"\s+")
_GROUPED_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$", re.ASCII)
# ASCII digits only: Decimal() and int() would also read superscript or Arabic-Indic digits.
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$", re.ASCII)
_ASCII_INTEGER = re.compile(r"^[0-9]{1,9}$", re.ASCII)
ZERO = Decimal(0)
ONE = Decimal(1)
# Answers are stored exactly as typed, so these limits are checked, never applied by cutting.
NUMERIC_MAX_CHARS = 100
SHORT_TEXT_MAX_CHARS = 500
# Beyond 10^±50 no answer to a course question makes sense, and arithmetic on an exponent
# such as 1e999999999 overflows Decimal's context.
_NUMBER_MAX_MAGNITUDE = 50
_NUMBER_HELP = gettext_lazy("Enter a plain number, for example 42 or 0.5.")


class InvalidResponse(ValueError):
    """The submitted value cannot be an answer to this question (not a wrong answer)."""


def normalise_text(text: str) -> str:
    """NFKC, case folding and collapsed white space: 'Ｇｒｏｋ  4' matches 'grok 4'."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def parse_ascii_int(value: object, *, low: int, high: int) -> int | None:
    """A whole number from ASCII digits within [low, high], or None. For positions and ranks a
    learner posts: int() would also take '١', and '¹'.isdigit() is true though int() refuses it."""
    text = value.strip() if isinstance(value, str) else ""
    if not _ASCII_INTEGER.match(text):
        return None
    number = int(text)
    return number if low <= number <= high else None


def parse_number(text: str) -> Decimal:
    """A plain number; '1,000,000' (grouped thousands) and '1_000' are read too, '1,5' is refused.

    Only finite numbers between 10^-50 and 10^50 in size are accepted, so scoring cannot overflow."""
    cleaned = unicodedata.normalize("NFKC", str(text)).strip().replace("_", "").replace(" ", "")
    if _GROUPED_THOUSANDS.match(cleaned):
        cleaned = cleaned.replace(",", "")
    if not _PLAIN_NUMBER.match(cleaned):
        raise InvalidResponse(_NUMBER_HELP)
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise InvalidResponse(_NUMBER_HELP) from exc
    if value.is_zero():
        return ZERO
    if abs(value.adjusted()) > _NUMBER_MAX_MAGNITUDE:
        raise InvalidResponse(
            gettext("Enter a number between 10^-%(power)s and 10^%(power)s.") % {"power": _NUMBER_MAX_MAGNITUDE}
        )
    return value


def _plain_text(text: str, *, max_chars: int) -> str:
    """The typed text, checked: refused (not cut) when too long or holding control characters,
    which no answer needs and a database may not store (PostgreSQL refuses NUL)."""
    if len(text) > max_chars:
        raise InvalidResponse(
            gettext("Keep your answer to %(limit)s characters; it has %(length)s.")
            % {"limit": max_chars, "length": f"{len(text):,}"}
        )
    if any(unicodedata.category(char) in {"Cc", "Cs"} for char in text):
        raise InvalidResponse(gettext("Your answer contains a control character; type it again without it."))
    return text


def clean_response(*, kind: str, options: Sequence[Mapping], raw) -> object | None:
    """Validate a submitted value for a question; None means 'no answer'."""
    option_ids = [str(option["id"]) for option in options]
    if kind == QuestionKind.SINGLE:
        if raw in (None, ""):
            return None
        if str(raw) not in option_ids:
            raise InvalidResponse(gettext("Choose one of the listed options."))
        return str(raw)
    if kind == QuestionKind.MULTIPLE:
        picks = [str(item) for item in (raw or [])]
        if any(pick not in option_ids for pick in picks):
            raise InvalidResponse(gettext("Choose from the listed options."))
        return sorted(set(picks), key=option_ids.index) or None
    if kind == QuestionKind.TRUE_FALSE:
        if raw in (None, ""):
            return None
        if isinstance(raw, bool):
            return raw
        if str(raw).lower() in {"true", "false"}:
            return str(raw).lower() == "true"
        raise InvalidResponse(gettext("Choose true or false."))
    if kind == QuestionKind.NUMERIC:
        text = _plain_text(str(raw or "").strip(), max_chars=NUMERIC_MAX_CHARS)
        if not text:
            return None
        parse_number(text)
        return text
    if kind == QuestionKind.SHORT_TEXT:
        return _plain_text(str(raw or "").strip(), max_chars=SHORT_TEXT_MAX_CHARS) or None
    if kind == QuestionKind.ORDERING:
        order = [str(item) for item in (raw or [])]
        if not order:
            return None
        if sorted(order) != sorted(option_ids):
            raise InvalidResponse(gettext("Give every item a different position."))
        return order
    raise InvalidResponse(f"unknown question kind {kind!r}")


def score_fraction(*, kind: str, options: Sequence[Mapping], key: Mapping, response) -> Decimal:
    """The share of the question's points earned, from 0 to 1."""
    if response is None:
        return ZERO
    if kind == QuestionKind.SINGLE:
        correct = next(str(o["id"]) for o in options if o.get("correct"))
        return ONE if str(response) == correct else ZERO
    if kind == QuestionKind.MULTIPLE:
        correct_ids = {str(o["id"]) for o in options if o.get("correct")}
        picks = {str(item) for item in response}
        if key.get("scoring") == "partial":
            right, wrong = len(picks & correct_ids), len(picks - correct_ids)
            return max(ZERO, Decimal(right - wrong) / Decimal(len(correct_ids)))
        return ONE if picks == correct_ids else ZERO
    if kind == QuestionKind.TRUE_FALSE:
        return ONE if bool(response) is bool(key["answer"]) else ZERO
    if kind == QuestionKind.NUMERIC:
        # An answer saved before today's checks (such as 1e999999999) scores zero rather than
        # stopping the attempt, or the sweep, from being finalized.
        try:
            value = parse_number(response)
            expected = Decimal(str(key["answer"]))
            tolerance = Decimal(str(key.get("tolerance", 0)))
            return ONE if abs(value - expected) <= tolerance else ZERO
        except (InvalidResponse, ArithmeticError):
            return ZERO
    if kind == QuestionKind.SHORT_TEXT:
        typed = normalise_text(str(response))
        if typed in {normalise_text(answer) for answer in key.get("accepted", [])}:
            return ONE
        pattern = key.get("pattern")
        if pattern:
            spaced = _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", str(response))).strip()
            return ONE if re.fullmatch(pattern, spaced, flags=re.IGNORECASE) else ZERO
        return ZERO
    if kind == QuestionKind.ORDERING:
        correct_order = [str(o["id"]) for o in options]
        given = [str(item) for item in response]
        if key.get("scoring") == "partial":
            in_place = sum(1 for a, b in zip(given, correct_order, strict=False) if a == b)
            return Decimal(in_place) / Decimal(len(correct_order))
        return ONE if given == correct_order else ZERO
    raise ValueError(f"unknown question kind {kind!r}")


def points_for(*, points: Decimal, fraction: Decimal) -> Decimal:
    return (Decimal(points) * fraction).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)
