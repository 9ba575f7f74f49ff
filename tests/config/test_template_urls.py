"""The builtin `{% url %}` remembers argument-less URLs per script prefix and still reverses the rest."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix


@pytest.fixture
def script_prefix():
    yield set_script_prefix
    set_script_prefix("/")


def test_a_url_without_arguments_follows_the_script_prefix(script_prefix):
    page = Template("{% url 'courses:catalog' %}")
    assert page.render(Context()) == page.render(Context()) == reverse("courses:catalog")
    script_prefix("/platform/")
    assert page.render(Context()) == reverse("courses:catalog") and page.render(Context()).startswith("/platform/")


def test_urls_with_arguments_or_a_variable_name_are_reversed_each_time():
    page = Template("{% url name slug %}|{% url 'courses:course' slug as link %}{{ link }}")
    first = page.render(Context({"name": "courses:course", "slug": "one"}))
    second = page.render(Context({"name": "courses:course", "slug": "two"}))
    assert first == f"{reverse('courses:course', args=['one'])}|{reverse('courses:course', args=['one'])}"
    assert second.endswith(reverse("courses:course", args=["two"]))


def test_an_unknown_name_still_fails_loudly():
    with pytest.raises(NoReverseMatch):
        Template("{% url 'no-such-view' %}").render(Context())
