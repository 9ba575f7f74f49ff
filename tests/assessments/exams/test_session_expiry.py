"""A session that ends mid-exam: scripts get a 401 to act on, forms come back to the attempt page."""

from importlib import import_module
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse

from assessments.models.exams import AttemptQuestion

from .test_views import correct, start

pytestmark = pytest.mark.django_db


def forget_every_session() -> None:
    """What an expired session looks like: the cookie is still sent, the server forgot it
    (through the session engine, so a cached copy goes too)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in Session.objects.values_list("session_key", flat=True):
        store(session_key=key).delete()


def sign_out_behind_the_browser(client) -> None:
    forget_every_session()


def next_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["next"][0]


def test_autosave_after_the_session_ended_gets_a_401_naming_the_way_back(learner_client, exam):
    attempt = start(learner_client, exam)
    slot = attempt.questions.select_related("version").get(position=2)
    sign_out_behind_the_browser(learner_client)
    response = learner_client.post(
        reverse("exams:answer", args=[attempt.public_id]),
        {"position": 2, "answer": correct(slot)},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "signed_out" and "Sign in again" in body["message"]
    assert body["login_url"].startswith(reverse("account_login"))
    assert next_of(body["login_url"]) == reverse("exams:attempt", args=[attempt.public_id])
    assert AttemptQuestion.objects.get(pk=slot.pk).response is None


@pytest.mark.parametrize(("name", "method"), [("exams:status", "get"), ("exams:flag", "post")])
def test_the_timer_poll_and_the_flag_get_a_401_too(learner_client, exam, name, method):
    attempt = start(learner_client, exam)
    sign_out_behind_the_browser(learner_client)
    send = getattr(learner_client, method)
    response = send(reverse(name, args=[attempt.public_id]), {"position": 1}, HTTP_ACCEPT="application/json")
    assert response.status_code == 401 and response.json()["error"] == "signed_out"


@pytest.mark.parametrize("name", ["exams:answer", "exams:submit", "exams:flag"])
def test_a_plain_form_post_signs_in_again_back_to_the_attempt_page(learner_client, learner, exam, name):
    attempt = start(learner_client, exam)
    sign_out_behind_the_browser(learner_client)
    response = learner_client.post(reverse(name, args=[attempt.public_id]), {"position": 1, "answer": "a"})
    assert response.status_code == 302
    back = next_of(response.url)
    assert back == reverse("exams:attempt", args=[attempt.public_id])
    # Signing in with the form lands on the attempt page with a GET (not a 405 from the POST-only URL).
    signed_in = learner_client.post(
        response.url, {"login": learner.email, "password": "correct-horse-battery"}, follow=True
    )
    assert signed_in.status_code == 200
    assert signed_in.redirect_chain[-1][0].startswith(back)
    assert "Question 1 of 3" in signed_in.content.decode()


def test_the_attempt_page_carries_the_sign_in_prompt_and_the_autosave_script(learner_client, exam):
    attempt = start(learner_client, exam)
    html = learner_client.get(reverse("exams:attempt", args=[attempt.public_id]), {"q": 2}).content.decode()
    assert "js/exam-autosave" in html and f'data-autosave-attempt="{attempt.public_id}"' in html
    assert 'id="session-prompt"' in html
    assert f"?next=/attempts/{attempt.public_id}/%3Fq%3D2" in html
