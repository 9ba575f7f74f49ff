import datetime

import pytest
from django.utils import timezone

from assessments.models.demos import ModelCallRecord, Submission, SubmissionState
from tests.accounts.factories import UserFactory
from tests.assessments.records import demo_submission_graded
from tests.courses.factories import CourseFactory


def _scrape(client) -> dict[str, float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    values = {}
    for line in response.content.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


@pytest.mark.django_db
def test_metrics_count_requests_by_route_and_status(client):
    before = _scrape(client).get('certify_http_requests_total{method="GET",status="404",view="unmatched"}', 0)
    client.get("/no-such-page/")
    after = _scrape(client)
    assert after['certify_http_requests_total{method="GET",status="404",view="unmatched"}'] == before + 1


@pytest.mark.django_db
def test_metrics_report_demo_queue_and_model_calls_from_the_database(client, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.UTC), tick=False)
    waiting = demo_submission_graded(user=UserFactory(), course=CourseFactory(), slug="haiku", title="Haiku")
    Submission.objects.filter(pk=waiting.pk).update(
        state=SubmissionState.QUEUED, created_at=timezone.now() - datetime.timedelta(seconds=90)
    )
    ModelCallRecord.objects.create(submission=waiting, step="run:0", result={}, latency_ms=1500, cost_usd="0.002")
    ModelCallRecord.objects.create(submission=waiting, step="judge", result={}, latency_ms=40_000, cost_usd="0.001")
    values = _scrape(client)
    assert values['certify_demo_submissions{state="queued"}'] == 1
    assert values["certify_demo_oldest_waiting_seconds"] == pytest.approx(90, abs=1)
    assert values["certify_model_calls_total"] == 2
    assert values["certify_model_call_cost_usd_total"] == pytest.approx(0.003)
    assert values['certify_model_call_latency_seconds_bucket{le="2.0"}'] == 1
    assert values['certify_model_call_latency_seconds_bucket{le="60.0"}'] == 2
    assert values["certify_exam_attempts_open"] == 0


@pytest.mark.django_db
def test_metrics_refuse_callers_from_elsewhere_without_the_token(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    ok = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert ok.status_code == 200
