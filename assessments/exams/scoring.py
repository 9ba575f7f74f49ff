"""Scoring of one answer, per question kind. Pure functions: no database.

A response is stored as plain JSON whose shape depends on the kind:
single -> option id, multiple -> list of option ids, true_false -> bool,
numeric and short_text -> the text typed, ordering -> list of option ids.
"""

import re
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from assessments.models.exams import QuestionKind

_WHITESPACE = re.compile(r"\s+")
_GROUPED_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
ZERO = Decimal(0)
ONE = Decimal(1)


class InvalidResponse(ValueError):
    """The submitted value cannot be an answer to this question (not a wrong answer)."""


def normalise_text(text: str) -> str:
    """NFKC, case folding and collapsed white space: 'Ｇｒｏｋ  4' matches 'grok 4'."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def parse_number(text: str) -> Decimal:
    """A plain number; '1,000,000' (grouped thousands) and '1_000' are read too, '1,5' is refused."""
    cleaned = unicodedata.normalize("NFKC", str(text)).strip().replace("_", "").replace(" ", "")
    if _GROUPED_THOUSANDS.match(cleaned):
        cleaned = cleaned.replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise InvalidResponse("Enter a plain number, for example 42 or 0.5.") from exc
    if not value.is_finite():
        raise InvalidResponse("Enter a plain number, for example 42 or 0.5.")
    return value


def clean_response(*, kind: str, options: Sequence[Mapping], raw) -> object | None:
    """Validate a submitted value for a question; None means 'no answer'."""
    option_ids = [str(option["id"]) for option in options]
    if kind == QuestionKind.SINGLE:
        if raw in (None, ""):
            return None
        if str(raw) not in option_ids:
            raise InvalidResponse("Choose one of the listed options.")
        return str(raw)
    if kind == QuestionKind.MULTIPLE:
        picks = [str(item) for item in (raw or [])]
        if any(pick not in option_ids for pick in picks):
            raise InvalidResponse("Choose from the listed options.")
        return sorted(set(picks), key=option_ids.index) or None
    if kind == QuestionKind.TRUE_FALSE:
        if raw in (None, ""):
            return None
        if isinstance(raw, bool):
            return raw
        if str(raw).lower() in {"true", "false"}:
            return str(raw).lower() == "true"
        raise InvalidResponse("Choose true or false.")
    if kind == QuestionKind.NUMERIC:
        text = str(raw or "").strip()
        if not text:
            return None
        parse_number(text)
        return text[:100]
    if kind == QuestionKind.SHORT_TEXT:
        text = str(raw or "").strip()
        return text[:500] or None
    if kind == QuestionKind.ORDERING:
        order = [str(item) for item in (raw or [])]
        if not order:
            return None
        if sorted(order) != sorted(option_ids):
            raise InvalidResponse("Give every item a different position.")
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
        try:
            value = parse_number(response)
        except InvalidResponse:
            return ZERO
        expected = Decimal(str(key["answer"]))
        tolerance = Decimal(str(key.get("tolerance", 0)))
        return ONE if abs(value - expected) <= tolerance else ZERO
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
