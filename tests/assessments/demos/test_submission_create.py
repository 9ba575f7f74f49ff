import datetime
import json
import uuid

import pytest

from assessments.demos import selectors, services
from assessments.models import DemoAuditEvent, Submission
from tests.accounts.factories import UserFactory
from tests.concurrency import all_at_once

pytestmark = pytest.mark.django_db

HAIKU = {"system_prompt": "You write haiku.", "user_prompt": "A haiku about rain."}


def test_submission_is_stored_queued_with_the_task_snapshot(
    synced, learner, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        submission = services.submission_create(learner=learner, task=synced["haiku"], **HAIKU)
    assert submission.state == "queued" and submission.test_mode is settings.PLATFORM_TEST_MODE
    assert submission.task_version == synced["haiku"].version
    assert submission.task_spec["rubric"][0]["id"] == "form"
    assert len(callbacks) == 1  # the run is enqueued only once the row is committed
    assert DemoAuditEvent.objects.filter(submission=submission, kind="submitted").count() == 1


def test_a_first_demo_run_enrols_the_learner_in_its_course(synced, learner):
    from courses.models import Enrollment

    task = synced["haiku"]
    services.submission_create(learner=learner, task=task, **HAIKU)
    services.submission_create(learner=learner, task=task, **HAIKU)
    assert list(Enrollment.objects.filter(user=learner).values_list("course_id", flat=True)) == [task.course_id]


def test_hourly_quota_refuses_the_next_run_and_frees_up_after_an_hour(synced, learner):
    task = synced["haiku"]  # runs_per_hour: 3
    for _ in range(3):
        services.submission_create(learner=learner, task=task, **HAIKU)
    with pytest.raises(services.SubmissionRefused) as refused:
        services.submission_create(learner=learner, task=task, **HAIKU)
    assert "used this demo's 3 runs for the last hour" in str(refused.value)
    assert Submission.objects.count() == 3
    Submission.objects.filter(pk=Submission.objects.order_by("id").first().pk).update(
        created_at=Submission.objects.first().created_at - datetime.timedelta(hours=1, seconds=1)
    )
    services.submission_create(learner=learner, task=task, **HAIKU)
    # Another learner has their own quota.
    services.submission_create(learner=UserFactory(), task=task, **HAIKU)


@pytest.mark.django_db(transaction=True)
def test_quota_holds_when_two_runs_race_for_the_last_slot(demo_tree, model_calls_queue):
    demo_tree.sync()
    from assessments.models import DemoTask

    task = DemoTask.objects.get(slug="haiku")
    learner = UserFactory()
    for _ in range(2):
        services.submission_create(learner=learner, task=task, **HAIKU)
    outcomes = all_at_once(lambda: services.submission_create(learner=learner, task=task, **HAIKU), threads=4)
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Submission"] + ["SubmissionRefused"] * 3
    assert Submission.objects.filter(learner=learner).count() == 3


def test_the_same_form_sent_again_returns_its_run_without_a_second_run_or_quota(
    synced, learner, django_capture_on_commit_callbacks
):
    task, form_key = synced["haiku"], uuid.uuid4()  # runs_per_hour: 3
    with django_capture_on_commit_callbacks() as callbacks:
        first = services.submission_create(learner=learner, task=task, form_key=form_key, **HAIKU)
        resends = [services.submission_create(learner=learner, task=task, form_key=form_key, **HAIKU) for _ in range(4)]
    assert {resend.pk for resend in resends} == {first.pk}
    assert Submission.objects.filter(learner=learner).count() == 1
    assert len(callbacks) == 1  # one run enqueued, so one set of model calls
    assert DemoAuditEvent.objects.filter(submission=first, kind="submitted").count() == 1
    assert selectors.quota_remaining(learner=learner, task=task) == 2


def test_a_resend_of_the_run_that_used_the_last_quota_is_not_refused(synced, learner):
    task, form_key = synced["haiku"], uuid.uuid4()
    for _ in range(2):
        services.submission_create(learner=learner, task=task, **HAIKU)
    last = services.submission_create(learner=learner, task=task, form_key=form_key, **HAIKU)
    assert services.submission_create(learner=learner, task=task, form_key=form_key, **HAIKU).pk == last.pk
    with pytest.raises(services.SubmissionRefused):
        services.submission_create(learner=learner, task=task, form_key=uuid.uuid4(), **HAIKU)


def test_the_same_form_edited_and_sent_again_is_a_new_run_and_loses_nothing(synced, learner):
    """After Back, the browser restores the form with its key; what the learner changed is kept."""
    task, form_key = synced["haiku"], uuid.uuid4()
    first = services.submission_create(learner=learner, task=task, form_key=form_key, **HAIKU)
    edited = services.submission_create(
        learner=learner, task=task, form_key=form_key, **{**HAIKU, "user_prompt": "A haiku about snow."}
    )
    assert edited.pk != first.pk and edited.user_prompt == "A haiku about snow."
    # The edited form sent twice is still one run.
    again = services.submission_create(
        learner=learner, task=task, form_key=form_key, **{**HAIKU, "user_prompt": "A haiku about snow."}
    )
    assert again.pk == edited.pk
    # Without a key every submission is new, as before.
    services.submission_create(learner=learner, task=task, **HAIKU)
    assert Submission.objects.filter(learner=learner).count() == 3


def test_one_form_is_one_run_per_learner(synced, learner):
    form_key = uuid.uuid4()
    other = UserFactory()
    mine = services.submission_create(learner=learner, task=synced["haiku"], form_key=form_key, **HAIKU)
    theirs = services.submission_create(learner=other, task=synced["haiku"], form_key=form_key, **HAIKU)
    assert mine.pk != theirs.pk and theirs.learner == other


@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_four_times_at_once_is_stored_once(demo_tree, model_calls_queue):
    demo_tree.sync()
    from assessments.models import DemoTask

    task, learner, form_key = DemoTask.objects.get(slug="haiku"), UserFactory(), uuid.uuid4()
    stored = all_at_once(
        lambda: services.submission_create(learner=learner, task=task, form_key=form_key, **HAIKU), threads=4
    )
    assert all(isinstance(submission, Submission) for submission in stored), stored
    assert len({submission.pk for submission in stored}) == 1
    assert Submission.objects.filter(learner=learner).count() == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"system_prompt": "s", "user_prompt": ""}, "user_prompt", "Write the user prompt."),
        ({"system_prompt": "s" * 300, "user_prompt": "u" * 201}, "__all__", "this demo allows 500"),
    ],
)
def test_invalid_prompts_are_refused_per_field(synced, learner, fields, field, message):
    with pytest.raises(services.SubmissionRefused) as refused:
        services.submission_create(learner=learner, task=synced["haiku"], **fields)
    assert any(message in error for error in refused.value.errors[field])
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ("", "Write the JSON Schema"),
        ("{not json", "This is not valid JSON"),
        (json.dumps({"type": "object", "properties": {"a": {"type": 5}}}), "invalid JSON Schema"),
        (json.dumps({"$schema": 7, "type": "object"}), "invalid JSON Schema at $schema"),
    ],
)
def test_the_learners_json_schema_must_be_a_valid_schema(synced, learner, schema, message):
    with pytest.raises(services.SubmissionRefused) as refused:
        services.submission_create(
            learner=learner, task=synced["invoice"], system_prompt="s", user_prompt="u", json_schema=schema
        )
    assert message in refused.value.errors["json_schema"][0]


def test_fields_the_task_does_not_let_the_learner_write_are_ignored(synced, learner):
    submission = services.submission_create(
        learner=learner, task=synced["weather"], system_prompt="sneaky", user_prompt="Weather?", json_schema="{}"
    )
    assert submission.system_prompt == "" and submission.json_schema is None


def test_an_unpublished_task_takes_no_submissions(synced, learner):
    task = synced["haiku"]
    task.is_published = False
    task.save()
    with pytest.raises(services.SubmissionRefused):
        services.submission_create(learner=learner, task=task, **HAIKU)
