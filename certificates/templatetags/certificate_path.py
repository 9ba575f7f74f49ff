"""`{% certificate_path course_id %}`: the path-to-certificate component on any page.

A template tag rather than a view variable because the pages that show it belong to
`courses` and `assessments`, which `certificates` depends on, not the other way round.
"""

from django import template

from ..progress import certificate_path_get

register = template.Library()


@register.inclusion_tag("components/certificate_path.html", takes_context=True)
def certificate_path(context, course_id: int, heading_level: int = 2) -> dict:
    user = context.get("user")
    signed_in = user is not None and user.is_authenticated
    path = certificate_path_get(user_id=user.pk if signed_in else None, course_id=course_id)
    return {"path": path, "heading_level": heading_level, "signed_in": signed_in}
