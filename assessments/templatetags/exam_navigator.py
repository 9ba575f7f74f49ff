"""`{% navigator_entries slots current_position=… page_url=… %}`: the exam navigator's entries.

Built with format_html rather than a template: the question page draws one entry per question
on every load, and rendering a template per entry was a fifth of the page's CPU. An autosave's
response sends its question's entry again, out of band, through the same function."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()

_ENTRY = (
    '<li id="nav-{position}"{oob}>\n'
    '  <a class="nav-q{answered}{flagged}" href="{page_url}?q={position}"{current}>\n'
    '    {position}<span class="visually-hidden">{state}</span></a>\n'
    "</li>"
)
_OOB = mark_safe(' hx-swap-oob="true"')
_CURRENT = mark_safe(' aria-current="step"')


@register.simple_tag
def navigator_entries(slots, *, current_position: int, page_url: str, oob: bool = False) -> SafeString:
    """One `<li>` per slot (anything with position, is_answered and flagged)."""
    # Looked up once per call, not once per entry.
    answered, not_answered, flagged = gettext(", answered"), gettext(", not answered"), gettext(", flagged")
    return format_html_join(
        "\n",
        _ENTRY,
        (
            {
                "position": slot.position,
                "oob": _OOB if oob else "",
                "answered": " is-answered" if slot.is_answered else "",
                "flagged": " is-flagged" if slot.flagged else "",
                "page_url": page_url,
                "current": _CURRENT if slot.position == current_position else "",
                "state": (answered if slot.is_answered else not_answered) + (flagged if slot.flagged else ""),
            }
            for slot in slots
        ),
    )
