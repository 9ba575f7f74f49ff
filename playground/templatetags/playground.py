from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def playground_prompt_max_chars() -> int:
    """The longest prompt the playground accepts (playground.services refuses longer ones), for the
    box's textarea: the script reads it from the page instead of keeping its own copy."""
    return settings.PLAYGROUND_PROMPT_MAX_CHARS
