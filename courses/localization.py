"""Serving content in the reader's language (content/README.md, "Translations").

The translation of a record is joined into the query that loads the record (a LEFT JOIN through
a FilteredRelation on the language), so a translated page costs the same queries as an English
one. `localized` then shows the translation's text on the record when it is current; otherwise the
record keeps its English text and says why, so the page can mark it `lang="en"` and explain.
"""

from collections.abc import Iterable
from typing import TypeVar

from django.db.models import F, FilteredRelation, Model, Q, QuerySet
from django.utils import translation

from .content.translations import SOURCE_LANGUAGE, translation_languages

Record = TypeVar("Record", bound=Model)
Shown = TypeVar("Shown")


class ContentStatus:
    """How a record's text is shown in the reader's language."""

    SOURCE = "source"  # the reader reads English: nothing to translate
    TRANSLATED = "translated"  # a current translation is shown
    MISSING = "missing"  # no translation yet: English is shown
    STALE = "stale"  # the English changed since the translation: English is shown

    FALLBACKS = frozenset({MISSING, STALE})


def content_language() -> str | None:
    """The active language when content can be translated into it; None when it is English."""
    language = (translation.get_language() or SOURCE_LANGUAGE).split("-")[0].lower()
    return language if language in translation_languages() else None


def with_translation(
    queryset: QuerySet[Record],
    *,
    relation: str,
    alias: str,
    fields: Iterable[str],
    language: str | None,
    status_field: str = "is_current",
) -> QuerySet[Record]:
    """Annotate `<alias>_<field>` for each field and `<alias>_<status_field>` (NULL when there is no
    translation) from the `language` row of `relation`, in the same query."""
    if language is None:
        return queryset
    joined = queryset.annotate(
        **{alias: FilteredRelation(relation, condition=Q(**{f"{relation}__language": language}))}
    )
    return joined.annotate(**{f"{alias}_{name}": F(f"{alias}__{name}") for name in (*fields, status_field)})


def localized(
    record: Shown,
    *,
    alias: str,
    fields: Iterable[str],
    language: str | None,
    annotated: object | None = None,
    status_field: str = "is_current",
) -> Shown:
    """Show the current translation's `fields` on `record` and set `record.content_status`.

    `annotated` is the object the query annotated (the lesson, for its module's translation);
    by default the record itself. A course, module or lesson becomes a display copy: saving it is
    refused. A `status_field` other than `is_current` only tells that a translation exists."""
    holder = record if annotated is None else annotated
    is_current = getattr(holder, f"{alias}_{status_field}", None) if language else None
    if status_field != "is_current" and is_current is not None:
        is_current = True
    record.content_language = language or SOURCE_LANGUAGE  # type: ignore[attr-defined]
    if language is None:
        status = ContentStatus.SOURCE
    elif is_current is None:
        status = ContentStatus.MISSING
    elif not is_current:
        status = ContentStatus.STALE
    else:
        status = ContentStatus.TRANSLATED
        for name in fields:
            setattr(record, name, getattr(holder, f"{alias}_{name}"))
    record.content_status = status  # type: ignore[attr-defined]
    return record
