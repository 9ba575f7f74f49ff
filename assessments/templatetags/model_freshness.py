"""`{% model_freshness %}`: the last model freshness check, for instructor dashboards."""

from django import template

from assessments.api import model_freshness_latest

register = template.Library()


@register.inclusion_tag("assessments/_model_freshness.html")
def model_freshness() -> dict:
    return {"check": model_freshness_latest()}
