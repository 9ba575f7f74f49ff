"""`{% url %}` for every template (a builtin library), remembering the URLs it reverses from a
view name alone.

The base layout reverses ten such URLs (home, catalog, dashboard, sign out, …) on every page,
a tenth of an exam question page's CPU. A URL reversed without arguments depends only on the
URL configuration, the script prefix, the current application namespace and the language, so
the process keeps each result under those; a tag with arguments or `as` is Django's own."""

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url_tag
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()

_REVERSED: dict[tuple, str] = {}


class RememberingURLNode(URLNode):
    def render(self, context) -> str:
        view_name = self.view_name.var
        if self.args or self.kwargs or self.asvar or self.view_name.filters or not isinstance(view_name, str):
            return super().render(context)
        current_app = _current_app(context)
        key = (view_name, current_app, get_urlconf(), get_script_prefix(), get_language())
        if (url := _REVERSED.get(key)) is None:
            url = _REVERSED[key] = reverse(view_name, current_app=current_app)
        return conditional_escape(url) if context.autoescape else url


def _current_app(context) -> str | None:
    """As Django's URLNode finds it."""
    request = getattr(context, "request", None)
    try:
        return request.current_app  # type: ignore[union-attr]
    except AttributeError:
        try:
            return request.resolver_match.namespace  # type: ignore[union-attr]
        except AttributeError:
            return None


@register.tag
def url(parser, token) -> URLNode:
    node = django_url_tag(parser, token)
    return RememberingURLNode(node.view_name, node.args, node.kwargs, node.asvar)
