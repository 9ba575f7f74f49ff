"""Marking English fallback content on translated pages (courses/localization.py).

`{{ record|fallback_lang }}` writes ` lang="en"` on an element whose text is the English source
shown in place of a missing or stale translation, so screen readers switch voice;
`{% translation_note record "lesson" %}` explains the fallback in the reader's language."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from courses.localization import ContentStatus

register = template.Library()


@register.filter
def fallback_lang(record) -> SafeString:
    if getattr(record, "content_status", None) in ContentStatus.FALLBACKS:
        return format_html(' lang="{}"', "en")
    return SafeString("")


def _note_text(kind: str, status: str, language_name: str) -> str:
    if kind == "question":
        return _("This question is not yet available in %(language)s; showing English.") % {"language": language_name}
    if status == ContentStatus.STALE:
        return _(
            "The English original of this lesson changed after it was translated into %(language)s; "
            "showing English until the translation is updated."
        ) % {"language": language_name}
    return _("This lesson is not yet available in %(language)s; showing English.") % {"language": language_name}


@register.inclusion_tag("components/translation_note.html")
def translation_note(record, kind: str) -> dict:
    """A note for a lesson or question shown in English on a page in another language."""
    status = getattr(record, "content_status", None)
    if status not in ContentStatus.FALLBACKS:
        return {"text": ""}
    language_name = get_language_info(record.content_language)["name_local"]
    return {"text": _note_text(kind, status, language_name)}
