"""`{% navigator_entries slots current_position=… page_url=… %}`: the exam navigator's entries.

Built with string formatting rather than a template: the question page draws one entry per
question on every load, and rendering a template per entry was a fifth of the page's CPU
(`format_html` per entry was still a tenth). Only the page's URL and the state words are text
that needs escaping, and they are escaped once per call; the rest are numbers and fixed
markup. An autosave's response sends its question's entry again, out of band, through the
same function."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop

register = template.Library()

_ENTRY = (
    '<li id="nav-{position}"{oob}>\n'
    '  <a class="nav-q{answered}{flagged}" href="{page_url}?q={position}"{current}>\n'
    '    {position}<span class="visually-hidden">{state}</span></a>\n'
    "</li>"
)
_OOB = ' hx-swap-oob="true"'
_CURRENT = ' aria-current="step"'
# Read by screen readers after the question's number.
_STATES = (gettext_noop(", answered"), gettext_noop(", not answered"), gettext_noop(", flagged"))


@register.simple_tag
def navigator_entries(slots, *, current_position: int, page_url: str, oob: bool = False) -> SafeString:
    """One `<li>` per slot (anything with position, is_answered and flagged)."""
    answered, not_answered, flagged = (conditional_escape(gettext(state)) for state in _STATES)
    page_url = conditional_escape(page_url)
    oob_attribute = _OOB if oob else ""
    # Every text value is escaped above; the rest are integers and fixed markup.
    return mark_safe(
        "\n".join(
            _ENTRY.format(
                position=int(slot.position),
                oob=oob_attribute,
                answered=" is-answered" if slot.is_answered else "",
                flagged=" is-flagged" if slot.flagged else "",
                page_url=page_url,
                current=_CURRENT if slot.position == current_position else "",
                state=(answered if slot.is_answered else not_answered) + (flagged if slot.flagged else ""),
            )
            for slot in slots
        )
    )
