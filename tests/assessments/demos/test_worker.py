"""A real Celery worker on a thread pool, consuming the real broker (Redis when REDIS_URL is
set, the file-system transport otherwise): the demo task really goes through the queue."""

import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker

from assessments.demos import services
from assessments.demos.tasks import demo_run_and_grade
from assessments.models import DemoTask, GradeRecord, ModelCallRecord, Submission
from tests.accounts.factories import UserFactory

from .conftest import PROMPTS


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
    submissions = [services.submission_create(learner=learner, task=task, **PROMPTS["haiku"]) for learner in learners]
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
        assert ModelCallRecord.objects.filter(submission=submission).count() == 13
        assert GradeRecord.objects.filter(submission=submission).count() == 1
    # three demos, 13 calls each (4 cases, the classifier, 4 verdicts and 4 rechecks), each answered once
    assert len(model_simulator.requests()) == 39
