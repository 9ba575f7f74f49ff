"""Multi-node run on one machine: two web processes (gunicorn) and two worker nodes of each
queue on one PostgreSQL and one Redis, with the model simulator as the model API.

Learners take the exam and submit demos over HTTP through both web processes (a request
that finds its web process gone is retried on the other, as a load balancer would); Celery
beat runs the periodic sweeps as in production. Mid-run one web process, one `default`
worker and one `model_calls` worker are killed with SIGKILL and restarted a few seconds
later. Then the database must show:
- no acknowledged answer missing, every attempt finalized exactly once;
- every demo stored once, though a form sent to the web process being killed is sent again
  to the other (the form's key makes the resend find the run the first request stored);
- every demo submission graded exactly once (one grade record, a final state);
- no model step paid twice: the simulator answered no more calls than steps were stored,
  beyond the calls that were in flight at the moment of the kill (those are lost with the
  worker and must be made again).

    python bench/multinode.py [--learners 8] [--demos 6] [--kill-after 12]

`.ci/run` runs it at this small size. DATABASE_URL's server hosts a database
`certify_bench_multinode` (--database) that the script recreates; REDIS_URL's database is used for cache,
sessions and broker (its `default` and `model_calls` queues are emptied first).
"""

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from bench import harness

DEMO_SLUG = "role-and-format"
# Longest a worker takes from receiving a model reply to storing it as a step.
STORE_GRACE_SECONDS = 1.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=8, help="learners taking the exam")
    parser.add_argument("--demos", type=int, default=6, help="demo submissions, one per learner")
    parser.add_argument(
        "--think", type=float, nargs=2, default=(0.5, 1.5), help="seconds between questions (spans the kill)"
    )
    parser.add_argument("--kill-after", type=float, default=12.0, help="seconds into the run")
    parser.add_argument("--down-for", type=float, default=3.0, help="seconds before the killed processes restart")
    parser.add_argument("--model-latency", type=float, default=1.0, help="seconds the simulator takes per call")
    parser.add_argument("--timeout", type=float, default=150.0, help="seconds to wait for every demo to finish")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--database", default="certify_bench_multinode", help="recreated on DATABASE_URL's server")
    return parser.parse_args()


def database_url(name: str) -> str:
    configured = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    return urlunsplit(configured._replace(path=f"/{name}"))


class Cluster:
    """The processes of the run, by name, each restartable with the command it started with."""

    def __init__(self, env: dict[str, str], workdir: Path):
        self.env, self.workdir = env, workdir
        self.commands: dict[str, list[str]] = {}
        self.processes: dict = {}

    def start(self, name: str, command: list[str]) -> None:
        self.commands[name] = command
        self.processes[name] = harness.start_process(command, env=self.env, log=self.workdir / f"{name}.log")

    def kill(self, name: str) -> None:
        harness.stop(self.processes[name], kill=True)

    def restart(self, name: str) -> None:
        self.start(name, self.commands[name])

    def stop_all(self) -> None:
        for process in self.processes.values():
            harness.stop(process)


async def submit_demo(learner: harness.LearnerSession, prompts: dict, timings: harness.Timings) -> None:
    response = await learner.request(
        "demo",
        "POST",
        f"/demos/{DEMO_SLUG}/",
        ok=(302,),
        # One form, one key: a resend on the other web process carries the same key, as the
        # browser's would.
        data={
            "system_prompt": prompts["system_prompt"],
            "user_prompt": prompts["user_prompt"],
            "form_key": str(uuid.uuid4()),
        },
    )
    if response is None:
        timings.errors.append("demo submission refused")


async def chaos(args: argparse.Namespace, cluster: Cluster, kill_window: list[float]) -> None:
    await asyncio.sleep(args.kill_after)
    kill_window.append(time.time())
    for name in ("web-1", "worker-default-1", "worker-models-1"):
        await asyncio.to_thread(cluster.kill, name)
    kill_window.append(time.time())
    print(f"killed web-1, worker-default-1, worker-models-1 at {args.kill_after:g} s", flush=True)
    await asyncio.sleep(args.down_for)
    for name in ("web-1", "worker-default-1", "worker-models-1"):
        cluster.restart(name)
    print(f"restarted them {args.down_for:g} s later", flush=True)


def calls_in_flight(calls: list[dict], kill_window: list[float]) -> int:
    """Calls a killed worker may have lost: an upper bound, counted over every worker.

    A call is lost if it had been sent before the kill ended and its worker had not yet stored
    the reply when the kill began: unanswered then, or answered within STORE_GRACE_SECONDS
    before it (the reply may still have been on its way into the database).
    """
    killed_from, killed_until = kill_window
    return sum(
        1
        for call in calls
        if call["time"] <= killed_until
        and (call.get("finished") is None or call["finished"] >= killed_from - STORE_GRACE_SECONDS)
    )


async def drive(args, bases, sessions, exam, prompts, cluster, kill_window) -> harness.Timings:
    timings = harness.Timings()
    # Connections kept idle for a second at most, so that few are left pointing at a killed web process.
    async with harness.learner_client(keepalive_seconds=1) as client:

        async def learner(session_key: str) -> None:
            await asyncio.sleep(random.uniform(0, 3))
            session = harness.LearnerSession(client, session_key, timings, bases=bases)
            await session.take_exam(exam, think=tuple(args.think), page_views=True)

        async def demo(session_key: str) -> None:
            # Submitted just before the kill, so that some runs are on the worker that dies.
            await asyncio.sleep(random.uniform(max(0, args.kill_after - 3), args.kill_after))
            session = harness.LearnerSession(client, session_key, timings, bases=bases)
            await submit_demo(session, prompts, timings)

        await asyncio.gather(
            chaos(args, cluster, kill_window),
            *(learner(key) for key in sessions),
            *(demo(key) for key in sessions[: args.demos]),
        )
    return timings


def wait_for_demos(expected: int, timeout: float) -> None:
    """Until every submission is final: a demo stored by the web process being killed, whose
    task that process never published, is run too once the sweep queues it."""
    from assessments.models.demos import FINAL_STATES, Submission

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        final = Submission.objects.filter(state__in=FINAL_STATES).count()
        if final >= expected and final == Submission.objects.count():
            return
        time.sleep(1)


def demo_integrity(calls: list[dict]) -> dict[str, int]:
    from django.db.models import Count

    from assessments.models.demos import FINAL_STATES, GradeRecord, ModelCallRecord, Submission

    grades = dict(GradeRecord.objects.values_list("submission_id").annotate(n=Count("id")).order_by())
    submissions = list(Submission.objects.values_list("id", "state"))
    return {
        "demo submissions": len(submissions),
        "demos not in a final state": sum(state not in FINAL_STATES for _, state in submissions),
        "demos not graded exactly once": sum(grades.get(pk, 0) != 1 for pk, _ in submissions),
        "model calls answered by the simulator": len(calls),
        "model steps stored": ModelCallRecord.objects.count(),
    }


def main() -> None:
    args = parse_args()
    harness.stop_cleanly_on_sigterm()
    random.seed(args.seed)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="multinode-"))
    url = database_url(args.database)
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    harness.recreate_database(url)
    simulator_port, web_ports = harness.free_port(), [harness.free_port(), harness.free_port()]
    simulator = f"http://127.0.0.1:{simulator_port}"
    env = harness.server_environment(database_url=url, redis_url=redis_url, var_dir=workdir)
    env |= {
        "XAI_BASE_URL": f"{simulator}/v1",
        "CELERY_VISIBILITY_TIMEOUT": "8",  # a killed worker's messages come back within the run
        "DEMO_RUN_LEASE_SECONDS": "6",
        # Beat's sweep queues again a run nobody carries (a lease that ran out, or a submission
        # whose task the killed web process never published) within the run's timeout.
        "DEMO_LEASE_SWEEP_SECONDS": "5",
        "DEMO_LEASE_SWEEP_GRACE_SECONDS": "10",
        "LOG_LEVEL": "WARNING",
    }
    harness.django_setup(env)
    import redis

    redis.Redis.from_url(redis_url).delete("default", "model_calls", "unacked", "unacked_index")
    sessions = harness.signed_in_learners(args.learners, prefix="multinode")
    exam = harness.exam_path()
    prompts = yaml.safe_load((harness.ROOT / "content/grok4-applied/demos" / DEMO_SLUG / "reference.yaml").read_text())
    python = sys.executable
    cluster = Cluster(env, workdir)
    cluster.start(
        "simulator",
        [python, "-m", "devtools.model_simulator", "--port", str(simulator_port), "--content", "content"],
    )
    for index, port in enumerate(web_ports, start=1):
        cluster.start(f"web-{index}", harness.gunicorn_command(port=port, workers=1, threads=4))
    cluster.start("beat", harness.celery_beat_command())
    for index in (1, 2):
        cluster.start(f"worker-default-{index}", harness.celery_worker_command(queue="default", name=f"cpu{index}"))
        cluster.start(
            f"worker-models-{index}", harness.celery_worker_command(queue="model_calls", name=f"models{index}")
        )
    bases = [f"http://127.0.0.1:{port}" for port in web_ports]
    try:
        harness.wait_for_http(f"{simulator}/_sim/health")
        httpx.post(f"{simulator}/_sim/config", json={"latency": args.model_latency}, timeout=5)
        for base in bases:
            harness.wait_for_http(f"{base}/healthz")
        kill_window: list[float] = []
        timings = asyncio.run(drive(args, bases, sessions, exam, prompts, cluster, kill_window))
        driven = time.monotonic()
        wait_for_demos(args.demos, args.timeout)
        print(f"learners done at {driven - started:.0f} s, demos done {time.monotonic() - driven:.0f} s later")
        exam_checks = harness.exam_integrity(timings)
        calls = httpx.get(f"{simulator}/_sim/requests", timeout=10).json()["requests"]
        demo_checks = demo_integrity(calls)
        in_flight = calls_in_flight(calls, kill_window)
    finally:
        cluster.stop_all()
    repeated = demo_checks["model calls answered by the simulator"] - demo_checks["model steps stored"]
    print(
        f"\nMulti-node: 2 web, 2 + 2 workers; {args.learners} learners, {args.demos} demos; {time.monotonic() - started:.0f} s"
    )
    print(f"requests: {sum(len(v) for v in timings.by_kind.values())}, failed over or refused: {len(timings.errors)}")
    for name, value in {**exam_checks, **demo_checks}.items():
        print(f"{name}: {value}")
    print(f"model calls made again after the kill: {repeated} (calls in flight at the kill: {in_flight})")
    problems = [
        name
        for name in (
            "missing answers",
            "attempts not finalized exactly once",
            "demos not in a final state",
            "demos not graded exactly once",
        )
        if {**exam_checks, **demo_checks}[name]
    ]
    if exam_checks["attempts"] != args.learners or demo_checks["demo submissions"] < args.demos:
        problems.append("not every learner got through")
    if demo_checks["demo submissions"] > args.demos:
        problems.append("a demo sent again was stored twice")
    if repeated > in_flight:
        problems.append("a model step was paid twice")
    print("FAILED: " + ", ".join(problems) if problems else "OK")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
