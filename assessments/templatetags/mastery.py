"""`{% mastery_panel course_slug %}`: the learner's mastery summary, for pages of other apps (the dashboard)."""

from django import template
from django.utils import timezone

from assessments.exams import selectors
from courses.api import course_get

register = template.Library()


@register.inclusion_tag("assessments/exams/_mastery_panel.html", takes_context=True)
def mastery_panel(context, course_slug: str) -> dict:
    user = context["request"].user
    course = course_get(slug=course_slug)
    if course is None or not user.is_authenticated:
        return {"overview": None}
    overview = selectors.mastery_overview(user_id=user.id, course=course, now=timezone.now())
    return {"overview": overview, "course": course, "compact": True}
