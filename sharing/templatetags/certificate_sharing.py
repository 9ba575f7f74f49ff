"""`{% certificate_profile_toggle display_id %}`: the public-profile switch on the learner's certificate list.
A tag because that page belongs to `certificates`, which this app depends on."""

from django import template

from ..selectors import certificate_profile_is_public

register = template.Library()


@register.inclusion_tag("sharing/_toggle.html")
def certificate_profile_toggle(display_id: str) -> dict:
    return {"display_id": display_id, "is_public": certificate_profile_is_public(credential_id=display_id)}
