"""`check_models`: the course's model names against GET /v1/models, through the one client module."""

import datetime
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessments.modelapi.freshness import model_freshness_check_run, model_freshness_findings
from assessments.models import ModelFreshnessCheck
from tests.courses.factories import CourseFactory

NOW = datetime.datetime(2026, 12, 1, 6, 0, tzinfo=datetime.UTC)


def _problems(findings):
    return {(finding.model, finding.problem) for finding in findings}


def test_a_name_the_api_no_longer_lists_is_reported():
    findings = model_freshness_findings(named={"c": ["grok-2-mystery"]}, listed={"grok-4.3": 1})
    assert _problems(findings) == {("grok-2-mystery", "not_listed")}


def test_latest_and_undated_names_are_aliases_of_the_pinned_release():
    listed = {"grok-4.20": 5, "grok-4.20-0309-reasoning": 5, "grok-4.3-latest": 6, "grok-4.3": 6}
    findings = model_freshness_findings(named={"c": ["grok-4.20", "grok-4.3-latest", "grok-4.3"]}, listed=listed)
    assert ("grok-4.20", "alias") in _problems(findings)
    assert ("grok-4.3-latest", "alias") in _problems(findings)
    assert ("grok-4.3", "alias") not in _problems(findings)


def test_newer_sibling_by_version_reads_4_20_as_older_than_4_3():
    listed = {"grok-4.20-0309-reasoning": 1, "grok-4.3": 1, "grok-4.7": 1, "grok-3-mini": 1}
    findings = model_freshness_findings(named={"c": ["grok-4.3", "grok-4.20-0309-reasoning"]}, listed=listed)
    details = {f.model: f.detail for f in findings if f.problem == "newer_sibling"}
    assert details["grok-4.3"] == "newer in the family: grok-4.7"
    assert "grok-4.3" in details["grok-4.20-0309-reasoning"]
    assert "grok-3-mini" not in " ".join(details.values())


def test_newer_sibling_by_created_date_wins_over_the_version_number():
    listed = {"grok-4.9": 100, "grok-4.10": 200}
    findings = model_freshness_findings(named={"c": ["grok-4.9"]}, listed=listed)
    assert _problems(findings) == {("grok-4.9", "newer_sibling")}


def test_a_current_name_has_no_findings():
    assert model_freshness_findings(named={"c": ["grok-4.7"]}, listed={"grok-4.7": 9, "grok-4.3": 1}) == []


@pytest.mark.django_db
def test_check_models_runs_against_the_simulator_and_stores_a_dated_result(model_simulator):
    CourseFactory(
        slug="grok4-applied",
        is_published=True,
        metadata={"models_referenced": ["grok-4.3", "grok-4.3-latest", "grok-9-retired"]},
    )
    out = StringIO()
    call_command("check_models", stdout=out)
    record = ModelFreshnessCheck.objects.get()
    assert record.error == "" and "grok-4.3" in record.listed and "grok-4.7" in record.listed
    problems = {(f["model"], f["problem"]) for f in record.findings}
    assert problems == {
        ("grok-4.3", "newer_sibling"),
        ("grok-4.3-latest", "alias"),
        ("grok-9-retired", "not_listed"),
    }
    printed = out.getvalue()
    assert "grok4-applied: grok-9-retired: not_listed" in printed
    assert "grok4-applied: grok-4.3: newer_sibling: newer in the family: grok-4.5, grok-4.6, grok-4.7" in printed


@pytest.mark.django_db
def test_an_unreadable_model_list_is_stored_and_reported(model_simulator, settings):
    settings.XAI_BASE_URL = settings.XAI_BASE_URL + "/no-such-prefix"
    record = model_freshness_check_run(now=NOW)
    assert record.checked_at == NOW and record.listed == [] and "404" in record.error
    with pytest.raises(CommandError, match="could not list models"):
        call_command("check_models", stdout=StringIO())


@pytest.mark.django_db
def test_instructor_dashboard_shows_the_last_result_and_its_date(model_simulator, instructor_client):
    CourseFactory(is_published=True, metadata={"models_referenced": ["grok-9-retired"]})
    model_freshness_check_run(now=NOW - datetime.timedelta(days=3))
    model_freshness_check_run(now=NOW)
    page = " ".join(instructor_client.get(reverse("dashboard")).content.decode().split())
    assert "Model freshness" in page
    assert "Last checked on 1 December 2026, 06:00" in page
    assert "<code>grok-9-retired</code>" in page and "no longer listed" in page


@pytest.mark.django_db
def test_learners_do_not_see_the_model_check(learner_client):
    page = learner_client.get(reverse("dashboard")).content.decode()
    assert "Model freshness" not in page


@pytest.mark.parametrize(("api_key", "scheduled"), [("", False), ("xai-live-key", True)])
def test_beat_runs_the_check_daily_only_when_an_api_key_is_set(api_key, scheduled):
    script = (
        "import config.settings.base as base; "
        "entry = base.CELERY_BEAT_SCHEDULE.get('model-freshness-check'); "
        "print(f\"{entry['task']} {int(entry['schedule'])}\" if entry else 'none')"
    )
    environment = {**os.environ, "XAI_API_KEY": api_key}
    environment.pop("MODEL_CHECK_SECONDS", None)
    run = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    expected = "assessments.modelapi.tasks.model_freshness_check 86400" if scheduled else "none"
    assert run.stdout.strip().endswith(expected)


@pytest.mark.django_db
def test_the_beat_task_stores_one_result_per_run(model_simulator):
    from assessments.modelapi.tasks import model_freshness_check

    CourseFactory(is_published=True, metadata={"models_referenced": ["grok-4.7"]})
    model_freshness_check()
    assert ModelFreshnessCheck.objects.count() == 1
    assert ModelFreshnessCheck.objects.get().findings == []
