"""Dates on certificates, pages and e-mails written the way the active language writes them:
1 December 2026, 2026年12月1日, 2026년 12월 1일.

The format is itself a translatable string, so each catalog says how its language spells a
date out; the `date` filter then supplies the translated month names where a format uses them.
"""

from django import template
from django.template.defaultfilters import date
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def long_date(value) -> str:
    # Translators: a Django date format (the letters of the `date` filter) for a date written in full.
    return date(value, pgettext("date format", "j F Y"))


@register.filter
def long_datetime(value) -> str:
    # Translators: a Django date format (the letters of the `date` filter) for a date in full and a time.
    return date(value, pgettext("date format", "j F Y H:i"))
