"""Requests no view can read get a 400 or a 404 with a reason, on SQLite and on PostgreSQL alike."""

import pytest
from django.urls import reverse

from tests.assessments.exams.test_views import kinds_exam, start

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", "٣"])
def test_a_content_length_that_is_not_a_number_is_a_400(client, length):
    response = client.post("/verify/upload/", data=b"%PDF-", content_type="application/pdf", CONTENT_LENGTH=length)
    assert response.status_code == 400
    assert "Content-Length" in response.content.decode()


def test_a_well_formed_upload_still_reaches_the_view(client):
    response = client.post("/verify/upload/", {})
    assert "certificates/verify_upload.html" in [template.name for template in response.templates]


@pytest.mark.parametrize("task_id", ["99999999999999999999999", "9" * 19, "9" * 5000])
def test_an_id_no_column_can_hold_is_a_404(instructor_client, task_id):
    assert instructor_client.post(f"/demos/review/tasks/{task_id}/regrade").status_code == 404
    assert instructor_client.get(f"/demos/submissions/{task_id}/").status_code == 404


def test_a_large_id_that_fits_the_column_is_looked_up(instructor_client):
    assert reverse("demos:submission", args=[9 * 10**17]) == f"/demos/submissions/{9 * 10**17}/"
    assert instructor_client.get(f"/demos/submissions/{9 * 10**17}/").status_code == 404


def test_nul_in_a_short_text_answer_is_a_400_that_says_why(learner_client, tmp_path):
    exam = kinds_exam(tmp_path, prompting=6, tools=5)
    attempt = start(learner_client, exam)
    text = attempt.questions.get(version__kind="short_text")
    response = learner_client.post(
        reverse("exams:answer", args=[attempt.public_id]),
        f"position={text.position}&answer=a%00b",
        content_type="application/x-www-form-urlencoded",
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()
    text.refresh_from_db()
    assert text.response is None


@pytest.mark.parametrize("url", ["/certificates/manage/?q=a%00b", "/exams/demo-course/?x%00=1", "/verify/?a=b%00"])
def test_nul_in_the_query_is_a_400(instructor_client, url):
    assert instructor_client.get(url).status_code == 400


@pytest.mark.parametrize("url", ["/certificates/manage/a%00b/", "/verify/a%00b/", "/credentials/a%00b.json"])
def test_nul_in_the_path_is_a_404(instructor_client, url):
    assert instructor_client.get(url).status_code == 404


def test_nul_in_a_form_field_is_a_400_everywhere(learner_client):
    response = learner_client.post(
        "/accounts/profile/", "full_name=Ali%00ce", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400


def test_a_form_encoded_post_to_the_upload_leaves_its_upload_handlers_alone(client):
    # The middleware reads the raw body, not request.POST, so the view may still set its handlers.
    response = client.post("/verify/upload/", "pdf=abc", content_type="application/x-www-form-urlencoded")
    assert "certificates/verify_upload.html" in [template.name for template in response.templates]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ko", "주소에 NUL 문자가 들어간 페이지는 없습니다."), ("en", "No page has a NUL character in its address.")],
)
def test_a_refusal_speaks_the_language_the_request_asks_for(client, language, expected):
    # Refused before LocaleMiddleware runs, so the middleware works the language out itself.
    response = client.get("/verify/a%00b/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    assert response.content.decode() == expected
    client.cookies["django_language"] = language
    assert client.get("/verify/a%00b/", HTTP_ACCEPT_LANGUAGE="ja").content.decode() == expected
