"""A real Celery worker on a thread pool, consuming the real broker (Redis when REDIS_URL is
set, the file-system transport otherwise): the demo task really goes through the queue."""

import threading
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from assessments.demos import services
from assessments.demos.tasks import demo_run_and_grade
from assessments.models import DemoTask, GradeRecord, ModelCallRecord, Submission
from tests.accounts.factories import UserFactory


def queued_messages(app) -> int:
    with app.connection_for_write() as connection:
        return connection.default_channel.queue_declare(
            queue="model_calls", durable=True, auto_delete=False
        ).message_count


def wait_for(predicate, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_demo_task_is_routed_to_the_model_calls_queue(settings):
    from config.celery import app

    route = app.amqp.router.route({}, demo_run_and_grade.name)
    assert route["queue"].name == "model_calls"
    assert demo_run_and_grade.acks_late is True


@pytest.mark.django_db(transaction=True)
def test_thread_pool_worker_runs_and_grades_submissions_from_the_broker(
    demo_tree, model_calls_queue, model_simulator, monkeypatch
):
    app = model_calls_queue
    demo_tree.sync()
    task = DemoTask.objects.get(slug="haiku")
    learners = [UserFactory() for _ in range(3)]
    model_simulator.configure(latency=0.3)
    submissions = [
        services.submission_create(
            learner=learner, task=task, system_prompt="You write haiku.", user_prompt="A haiku about rain."
        )
        for learner in learners
    ]
    assert queued_messages(app) == 3  # published on commit, waiting in the broker

    seen_threads: set[str] = set()
    original = services.submission_run_and_grade

    def spy(**kwargs):
        seen_threads.add(threading.current_thread().name)
        return original(**kwargs)

    monkeypatch.setattr(services, "submission_run_and_grade", spy)
    with start_worker(
        app, pool="threads", concurrency=4, queues=["model_calls"], perform_ping_check=False, shutdown_timeout=30
    ):
        wait_for(lambda: Submission.objects.filter(state="graded").count() == 3)
    assert queued_messages(app) == 0
    assert len(seen_threads) >= 2 and threading.current_thread().name not in seen_threads
    for submission in submissions:
        assert list(ModelCallRecord.objects.filter(submission=submission).values_list("step", flat=True)) == [
            "run:0",
            "judge",
            "judge:strict",
        ]
        assert GradeRecord.objects.filter(submission=submission).count() == 1
    # three demos, three calls each, each call answered exactly once
    assert len(model_simulator.requests()) == 9


def test_the_lease_sweep_is_on_the_beat_schedule(settings):
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["demo-lease-sweep"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert entry["schedule"] <= 60  # a killed worker's run is picked up again within a minute or so of its lease


@dataclass(frozen=True)
class StartedConsumer:
    """What Celery passes as the sender of `worker_ready`: the consumer, named after its worker."""

    hostname: str


class WorkerKilled(BaseException):
    """Stands in for the process being killed: nothing in the service catches it."""


def killed_after_the_run_step(app, task, monkeypatch, *, holder: str = "") -> Submission:
    """A submission whose worker died right after storing its run step; the broker lost
    the message with it (as the file-system transport does)."""
    from assessments.demos import grader

    submission = services.submission_create(
        learner=UserFactory(), task=task, system_prompt="You write haiku.", user_prompt="A haiku about rain."
    )

    def killed(**kwargs):
        raise WorkerKilled

    monkeypatch.setattr(grader, "grade", killed)
    with pytest.raises(WorkerKilled):
        services.submission_run_and_grade(submission_id=submission.pk, holder=holder)
    monkeypatch.undo()
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge("model_calls")
    assert list(ModelCallRecord.objects.filter(submission=submission).values_list("step", flat=True)) == ["run:0"]
    return submission


def completes_without_a_second_run(app, submission, model_simulator) -> None:
    with start_worker(
        app, pool="threads", concurrency=2, queues=["model_calls"], perform_ping_check=False, shutdown_timeout=30
    ):
        wait_for(lambda: Submission.objects.get(pk=submission.pk).state == "graded")
    bodies = model_simulator.bodies("chat")
    assert len(bodies) == 2  # the judge and its strict re-check; no second run
    assert all(body["messages"][0]["content"] != "You write haiku." for body in bodies)
    assert list(ModelCallRecord.objects.filter(submission=submission).values_list("step", flat=True)) == [
        "run:0",
        "judge",
        "judge:strict",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_run_whose_worker_was_killed_completes_after_the_sweep_without_paying_twice(
    demo_tree, model_calls_queue, model_simulator, monkeypatch
):
    """The worker never came back: once the lease has run out, the beat sweep queues the
    run again, a worker grades it, and the learner's prompt never reaches the model twice."""
    app = model_calls_queue
    demo_tree.sync()
    submission = killed_after_the_run_step(app, DemoTask.objects.get(slug="haiku"), monkeypatch)
    model_simulator.reset()  # count only what recovery asks of the model
    assert services.submission_requeue_expired() == 0  # the dead run's lease still runs
    Submission.objects.filter(pk=submission.pk).update(lease_expires_at=timezone.now() - timedelta(minutes=2))
    assert services.submission_requeue_expired() == 1
    assert queued_messages(app) == 1
    completes_without_a_second_run(app, submission, model_simulator)


@pytest.mark.django_db(transaction=True)
def test_a_restarted_worker_requeues_its_killed_predecessors_runs_at_once(
    demo_tree, model_calls_queue, model_simulator, monkeypatch
):
    """The worker was killed mid-run and started again under its node name: as soon as it
    is ready it queues the runs its previous process held, without waiting for the lease."""
    from celery.signals import worker_ready

    app = model_calls_queue
    demo_tree.sync()
    task = DemoTask.objects.get(slug="haiku")
    submission = killed_after_the_run_step(app, task, monkeypatch, holder="celery@box-1/dead-process")
    elsewhere = killed_after_the_run_step(app, task, monkeypatch, holder="celery@box-2/live-process")
    model_simulator.reset()
    assert Submission.objects.get(pk=submission.pk).lease_expires_at > timezone.now() + timedelta(minutes=1)

    worker_ready.send(sender=StartedConsumer(hostname="celery@box-1"))

    assert queued_messages(app) == 1  # only box-1's run: box-2's worker is alive and holds its own
    completes_without_a_second_run(app, submission, model_simulator)
    assert Submission.objects.get(pk=elsewhere.pk).state == "running"
