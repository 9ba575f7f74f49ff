"""The calibration gate against the simulator over loopback HTTP: the current judge goes
live, a deliberately worse one (grok-3-mini, which the simulator plays as a gullible
judge) is held with its reasons; grading then uses the live configuration."""

import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessments.demos.calibration import selectors, services
from assessments.demos.calibration.tasks import calibration_run
from assessments.grading.judge import JUDGE_PROMPT_VERSION, JudgeConfig
from assessments.models import CalibrationAuditEvent, CalibrationVerdict, JudgeConfiguration

pytestmark = pytest.mark.django_db

WORSE_MODEL = "grok-3-mini"


@pytest.fixture
def shipped(db):
    call_command("sync_content", str(settings.CONTENT_DIR), stdout=io.StringIO(), stderr=io.StringIO())


def stage_and_run(model: str, django_capture_on_commit_callbacks, actor=None) -> JudgeConfiguration:
    """Stage as the page does; the Celery task queued on commit runs here, eagerly."""
    with django_capture_on_commit_callbacks() as callbacks:
        configuration = services.judge_configuration_stage(
            model=model, prompt_version=JUDGE_PROMPT_VERSION, actor=actor
        )
    assert len(callbacks) == 1  # the run is queued once the staging commits
    calibration_run.apply(args=[configuration.pk])
    configuration.refresh_from_db()
    return configuration


def test_the_current_judge_goes_live_and_a_worse_one_is_held(
    shipped, model_simulator, instructor, django_capture_on_commit_callbacks
):
    current = stage_and_run(settings.JUDGE_MODEL, django_capture_on_commit_callbacks, instructor)
    assert current.status == "live", current.result
    assert current.examples_total == CalibrationVerdict.objects.filter(configuration=current).count() >= 72
    for slug, report in current.result["tasks"].items():
        assert report["kappa"] >= settings.CALIBRATION_MIN_KAPPA, slug
        assert report["attack_false_pass"] == 0, slug
    assert selectors.judge_config_live() == JudgeConfig(model=settings.JUDGE_MODEL, prompt_version=JUDGE_PROMPT_VERSION)

    worse = stage_and_run(WORSE_MODEL, django_capture_on_commit_callbacks, instructor)
    assert worse.status == "held"
    codes = {(reason["code"], reason["task"]) for reason in worse.result["reasons"]}
    for slug in current.result["tasks"]:
        assert ("attack_false_pass", slug) in codes and ("low_kappa", slug) in codes
    # The held configuration changes nothing: the current one still grades.
    current.refresh_from_db()
    assert current.status == "live" and selectors.judge_config_live().model == settings.JUDGE_MODEL
    kinds = list(CalibrationAuditEvent.objects.filter(configuration=worse).values_list("kind", flat=True))
    assert kinds == ["staged", "held"]
    staged = CalibrationAuditEvent.objects.get(configuration=worse, kind="staged")
    assert staged.actor == instructor and staged.detail["model"] == WORSE_MODEL


def test_a_run_delivered_twice_judges_each_example_once(shipped, model_simulator, django_capture_on_commit_callbacks):
    configuration = stage_and_run(settings.JUDGE_MODEL, django_capture_on_commit_callbacks)
    calls = len(model_simulator.requests())
    assert calibration_run.apply(args=[configuration.pk]).get() == "live"
    assert len(model_simulator.requests()) == calls  # nothing judged again
    assert CalibrationVerdict.objects.filter(configuration=configuration).count() == configuration.examples_total


def test_a_newly_promoted_configuration_retires_the_previous_one_and_grading_uses_it(
    shipped, model_simulator, django_capture_on_commit_callbacks
):
    assert selectors.judge_config_live().model == settings.JUDGE_MODEL  # none live: the settings' judge
    first = stage_and_run(settings.JUDGE_MODEL, django_capture_on_commit_callbacks)
    second = stage_and_run("grok-4.6", django_capture_on_commit_callbacks)
    first.refresh_from_db()
    assert (first.status, second.status) == ("retired", "live")
    assert selectors.judge_config_live().model == "grok-4.6"
    # Every judge call of the second run asked grok-4.6.
    judge_models = {
        body["model"] for body in model_simulator.bodies() if "judge_verdict" in str(body.get("response_format"))
    }
    assert "grok-4.6" in judge_models


def test_staging_refuses_unknown_models_and_prompt_versions():
    with pytest.raises(services.CalibrationRefused) as refused:
        services.judge_configuration_stage(model="grok-99", prompt_version="judge-v0")
    assert set(refused.value.errors) == {"model", "prompt_version"}
    assert not JudgeConfiguration.objects.exists()


def test_the_command_stages_runs_and_reports(shipped, model_simulator):
    out = io.StringIO()
    call_command("calibrate_judge", "--here", stdout=out)
    assert "role-and-format: kappa" in out.getvalue() and "is live" in out.getvalue()
    with pytest.raises(CommandError, match="held, not live"):
        call_command("calibrate_judge", "--here", "--model", WORSE_MODEL, stdout=io.StringIO())


# --- pages -----------------------------------------------------------------------------------


def test_learners_cannot_open_or_post_to_the_calibration_pages(learner_client):
    configuration = JudgeConfiguration.objects.create(
        model="grok-4.3", prompt_version="judge-v1", rubric_hash="x", staged_at="2026-01-01T00:00Z", min_kappa=0.6
    )
    assert learner_client.get(reverse("demos:calibration")).status_code == 403
    assert learner_client.get(reverse("demos:calibration_report", args=[configuration.pk])).status_code == 403
    response = learner_client.post(
        reverse("demos:calibration_stage"), {"model": "grok-4.3", "prompt_version": "judge-v1"}
    )
    assert response.status_code == 403 and JudgeConfiguration.objects.count() == 1


def test_bad_input_gets_a_form_error_not_a_500(instructor_client):
    response = instructor_client.post(reverse("demos:calibration_stage"), {"model": "<script>", "prompt_version": ""})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode() and not JudgeConfiguration.objects.exists()
    assert instructor_client.get(reverse("demos:calibration_report", args=[999999])).status_code == 404
    assert instructor_client.get(reverse("demos:calibration_stage")).status_code == 405


def test_staging_from_the_page_and_the_report_with_its_numbers(
    shipped, model_simulator, instructor_client, django_capture_on_commit_callbacks
):
    overview = instructor_client.get(reverse("demos:calibration")).content.decode()
    assert (
        "No configuration has gone live yet" in overview
        and "Customer release notes in exactly four bullets" in overview
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = instructor_client.post(
            reverse("demos:calibration_stage"), {"model": WORSE_MODEL, "prompt_version": JUDGE_PROMPT_VERSION}
        )
    configuration = JudgeConfiguration.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "demos:calibration_report", args=[configuration.pk]
    )
    pending = instructor_client.get(response["Location"]).content.decode()
    assert f"0 of {configuration.examples_total} examples" in pending and "hx-trigger" in pending
    assert len(callbacks) == 1
    calibration_run.apply(args=[configuration.pk])
    html = instructor_client.get(response["Location"]).content.decode()
    assert "Why it was held" in html
    assert "role-and-format: the judge passed 15 criteria of examples labelled as attacks." in html
    assert "kappa 0.00 is below the threshold of 0.60" in html
    # The disagreements: an attack example the lenient judge passed.
    assert "content:fake-end-marker" in html and "Disagreements" in html
    assert "hx-trigger" not in html
