"""The lesson playground: ungraded runs through the platform's model client (the simulator over
loopback HTTP here), an hourly quota per learner, and a run executed twice changes nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from playground import services
from playground.models import PlaygroundRun

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_run_reaches_the_model_and_records_output_and_tokens(learner, model_simulator):
    model_simulator.script({"content": "Paris is in France."})
    run = services.playground_run_create(
        user_id=learner.pk, lesson_path="/courses/x/", prompt="Where is Paris?", system_prompt="", now=timezone.now()
    )
    run = services.playground_run_execute(run_id=run.pk)
    assert run.state == PlaygroundRun.State.DONE
    assert run.output == "Paris is in France."
    assert run.prompt_tokens > 0 and run.output_tokens > 0
    assert model_simulator.bodies()[-1]["messages"][-1]["content"] == "Where is Paris?"
    again = services.playground_run_execute(run_id=run.pk)
    assert again.output == "Paris is in France."
    assert len(model_simulator.requests()) == 1


def test_a_failing_model_gives_a_plain_message(learner, model_simulator, settings):
    settings.XAI_MAX_RETRIES = 0
    model_simulator.script({"fault": "503"})
    run = services.playground_run_create(
        user_id=learner.pk, lesson_path="/courses/x/", prompt="Hello", system_prompt="", now=timezone.now()
    )
    run = services.playground_run_execute(run_id=run.pk)
    assert run.state == PlaygroundRun.State.FAILED
    assert run.error == "The model did not answer. Run it again in a minute."


def test_hourly_quota_refuses_the_next_run_and_frees_up_after_an_hour(learner, settings):
    settings.PLAYGROUND_RUNS_PER_HOUR = 2
    start = datetime.datetime(2026, 11, 22, 9, 0, tzinfo=datetime.UTC)
    for minute in (0, 10):
        services.playground_run_create(
            user_id=learner.pk,
            lesson_path="/l/",
            prompt="Hi",
            system_prompt="",
            now=start + datetime.timedelta(minutes=minute),
        )
    with pytest.raises(services.PlaygroundRefused, match="used your 2 playground runs"):
        services.playground_run_create(
            user_id=learner.pk,
            lesson_path="/l/",
            prompt="Hi",
            system_prompt="",
            now=start + datetime.timedelta(minutes=20),
        )
    later = start + datetime.timedelta(minutes=61)
    assert services.playground_runs_left(user_id=learner.pk, now=later) == 1


def test_views_answer_json_and_refuse_an_empty_prompt(learner_client):
    response = learner_client.post(reverse("playground:create"), {"prompt": "  ", "lesson": "/l/"})
    assert response.status_code == 400
    assert response.json()["error"] == "Write a prompt to run."
    created = learner_client.post(reverse("playground:create"), {"prompt": "Hi", "lesson": "/l/"})
    assert created.status_code == 201
    status = learner_client.get(reverse("playground:status", args=[created.json()["id"]])).json()
    assert status["state"] in {"queued", "running", "done"}
    assert status["runs_left"] == 9


def test_someone_elses_run_is_not_found(client, learner):
    run = PlaygroundRun.objects.create(user=learner, lesson_path="/l/", prompt="Hi", created_at=timezone.now())
    from tests.accounts.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(reverse("playground:status", args=[run.pk])).status_code == 404


def test_finished_runs_past_the_retention_are_pruned_and_pending_ones_kept(learner, settings):
    settings.PLAYGROUND_RUN_RETENTION_DAYS = 30
    now = datetime.datetime(2026, 11, 22, 9, 0, tzinfo=datetime.UTC)

    def run_at(days_ago: float, state: str) -> PlaygroundRun:
        return PlaygroundRun.objects.create(
            user=learner,
            lesson_path="/l/",
            prompt="Hi",
            state=state,
            created_at=now - datetime.timedelta(days=days_ago),
        )

    old_done, old_failed = run_at(31, PlaygroundRun.State.DONE), run_at(45, PlaygroundRun.State.FAILED)
    old_queued, recent_done = run_at(31, PlaygroundRun.State.QUEUED), run_at(29, PlaygroundRun.State.DONE)
    assert services.playground_runs_prune(now=now) == 2
    assert set(PlaygroundRun.objects.values_list("pk", flat=True)) == {old_queued.pk, recent_done.pk}
    assert services.playground_runs_prune(now=now) == 0  # a second run changes nothing
    assert not PlaygroundRun.objects.filter(pk__in=[old_done.pk, old_failed.pk]).exists()


def test_the_pruning_is_scheduled_daily_on_the_default_queue(settings):
    from celery import current_app

    schedule = settings.CELERY_BEAT_SCHEDULE["playground-run-pruning"]
    assert schedule["task"] == "playground.tasks.playground_runs_prune"
    assert schedule["schedule"] == 24 * 3600
    route = current_app.amqp.router.route({}, schedule["task"])
    assert route["queue"].name == "default"


def test_a_run_turned_away_while_the_platform_is_busy_does_not_count(learner, model_simulator, settings):
    from assessments.demos import limits

    settings.PLAYGROUND_RUNS_PER_HOUR = 1
    settings.DEMO_MAX_CONCURRENT_CALLS = 1
    settings.DEMO_LIMIT_WAIT_SECONDS = 0.2
    now = timezone.now()
    run = services.playground_run_create(user_id=learner.pk, lesson_path="/l/", prompt="Hi", system_prompt="", now=now)
    with limits.model_call_slot():
        run = services.playground_run_execute(run_id=run.pk)
    assert run.state == PlaygroundRun.State.FAILED and "does not count against you" in run.error
    assert not run.counts_against_allowance
    assert model_simulator.requests() == []
    assert services.playground_runs_left(user_id=learner.pk, now=now) == 1


def test_the_migration_stops_counting_runs_stored_as_turned_away(learner):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("playground.migrations.0002_run_counts_against_allowance")
    now = timezone.now()
    turned_away, failed = (
        PlaygroundRun.objects.create(
            user=learner, lesson_path="/l/", prompt="Hi", created_at=now, state=PlaygroundRun.State.FAILED, error=text
        )
        for text in (migration.TURNED_AWAY_TEXT, "The model did not answer. Run it again in a minute.")
    )
    migration.runs_turned_away_do_not_count(apps, None)
    turned_away.refresh_from_db()
    failed.refresh_from_db()
    assert not turned_away.counts_against_allowance and failed.counts_against_allowance
