"""The design system reaches the pages Django and allauth render themselves: sign-in pages,
e-mails and the error pages (shown once DEBUG is off)."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.accounts.factories import UserFactory
from tests.certificates.conftest import issue, signing_issuer  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def test_allauth_pages_use_the_site_frame_and_components(client):
    for name in ("account_login", "account_signup", "account_reset_password"):
        html = client.get(reverse(name)).content.decode()
        assert 'class="site-header"' in html, name
        assert 'class="card auth-panel"' in html, name
        assert re.search(r'<button class="button"[^>]*type="submit"', html), name
        assert 'class="field' in html, name


def test_login_remember_me_checkbox_sits_beside_its_label(client):
    html = client.get(reverse("account_login")).content.decode()
    assert re.search(r'class="field field-check">\s*<input type="checkbox"[^>]*>\s*<label', html)
    assert "Remember Me:" not in html


def test_manage_pages_link_back_to_the_account(client):
    client.force_login(UserFactory())
    html = client.get(reverse("account_email")).content.decode()
    assert 'class="breadcrumb"' in html
    assert reverse("profile") in html
    assert re.search(r'<button class="button"[^>]*name="action_add"', html)


@pytest.mark.parametrize(
    ("tags", "css_class"),
    [
        ("danger,delete", "button button-danger"),
        ("secondary", "button button-secondary"),
        ("link,cancel", "button-link"),
    ],
)
def test_allauth_button_tags_pick_the_design_system_variant(tags, css_class):
    from django.template import Context, Template, engines
    from django.template.base import Origin

    source = '{% load allauth %}{% element button type="submit" tags=tags %}Go{% endelement %}'
    # allauth's element tag reads the name of the template it sits in.
    template = Template(source, origin=Origin("page.html", template_name="page.html"), engine=engines["django"].engine)
    assert f'class="{css_class}"' in template.render(Context({"tags": tags}))


def test_signup_email_names_the_site_not_the_host_and_has_a_designed_html_part(settings):
    settings.SITE_NAME = "Grok 4 Certification"
    settings.SITE_URL = "https://certify.example.org"
    Client().post(
        reverse("account_signup"),
        {"email": "ada@example.org", "password1": "a long passphrase 42", "password2": "a long passphrase 42"},
        HTTP_HOST="127.0.0.1:8150",
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    # Links follow the address the person used; the words never name a host or port.
    words = re.sub(r"https?://\S+", "", message.body)
    assert "127.0.0.1" not in words
    assert "user user" not in message.body
    assert "Grok 4 Certification" in message.body
    assert "certify.example.org" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Confirm your e-mail address" in html
    assert "127.0.0.1" not in re.sub(r"https?://[^\s\"<]+", "", html)
    assert re.search(r'<a href="http://[^"]*/accounts/confirm-email/[^"]+"', html)


def test_password_reset_email_greets_the_person_by_name(settings):
    user = UserFactory(certificate_name="Ada Lovelace")
    Client().post(reverse("account_reset_password"), {"email": user.email})
    message = mail.outbox[-1]
    assert message.body.startswith("Hello Ada Lovelace,")
    assert "Choose a new password" in message.alternatives[0][0]


def test_signed_in_message_names_the_person(client):
    user = UserFactory(certificate_name="Grace Hopper", password="a long passphrase 42")
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "a long passphrase 42"}, follow=True
    )
    assert "Signed in as Grace Hopper." in response.content.decode()


@pytest.mark.parametrize(
    ("path", "status", "heading"),
    [("/no-such-page/", 404, "We could not find that page")],
)
def test_not_found_page_is_designed_when_debug_is_off(client, settings, path, status, heading):
    settings.DEBUG = False
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == status
    assert heading in html
    assert 'class="site-header"' in html
    assert "URLconf" not in html


def test_forbidden_page_is_designed(client, settings):
    settings.DEBUG = False
    client.force_login(UserFactory())
    response = client.get(reverse("demos:review"))
    assert response.status_code == 403
    assert "You do not have access to this page" in response.content.decode()


def test_csrf_failure_page_is_designed(settings):
    settings.DEBUG = False
    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post(reverse("account_login"), {"login": "a@example.org", "password": "x"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "This form has expired" in html
    assert 'class="site-header"' in html


def test_server_error_page_renders_without_the_request_context(rf, settings):
    from django.views.defaults import server_error

    settings.DEBUG = False
    response = server_error(rf.get("/broken/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html
    assert "/static/css/site.css" in html


def test_certificate_email_has_a_designed_html_part(issue, learner):  # noqa: F811
    from certificates import services as certificate_services

    certificate = issue(learner=learner)
    assert certificate_services.certificate_notify(certificate_id=certificate.pk) is True
    message = mail.outbox[-1]
    assert message.body.startswith(f"Hello {certificate.holder_name},")
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "See and share your certificate" in html
    assert certificate.verification_url in html
