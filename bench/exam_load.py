"""Exam load: N learners take the certification exam over real HTTP against gunicorn on
PostgreSQL and Redis, with DEBUG off, as `make run` and deploy/ serve it.

Every learner starts within the ramp (60 s by default), then for each of the 20 questions
loads the question page (with --page-views), thinks for 4-12 s (about ten times a real
learner's pace), saves the answer the way the page's autosave does, and finally submits;
while the attempt is open the page's timer polls the status URL every 20 s. Beside the
exam requests, an anonymous request for a missing page twice a second measures the
cheapest response of the same server in the same run.

Printed: p50/p95/p99 and requests/s per kind, gunicorn's CPU and its threads' context
switches per request (master and workers, read from /proc), errors, and from the database:
acknowledged answers missing and attempts not finalized exactly once. Then the server floor:
the same gunicorn settings serving an application that does nothing (bench/empty_app.py),
at the run's request rate with a new connection per request, for --floor-seconds; the
application CPU per request is printed as a multiple of it.

    python bench/exam_load.py [--learners 500] [--page-views] [--ramp 60] [--workers 3 --threads 4]

DATABASE_URL names a PostgreSQL database the bench may drop and recreate (its name must
contain "bench"; default postgres://postgres@127.0.0.1:5432/certify_bench_exam_load);
REDIS_URL the Redis database for cache, sessions and broker (default redis://127.0.0.1:6379/0).
"""

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness

KINDS = ["floor-404", "start", "page", "save", "status", "submit"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--ramp", type=float, default=60.0, help="seconds over which the learners start")
    parser.add_argument("--think", type=float, nargs=2, default=(4.0, 12.0), help="seconds between questions")
    parser.add_argument("--page-views", action="store_true", help="load each question page before answering")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: a free one)")
    parser.add_argument("--floor-seconds", type=float, default=30.0, help="length of the server-floor run (0: none)")
    parser.add_argument("--seed", type=int, default=13)
    return parser.parse_args()


async def drive(args: argparse.Namespace, base: str, exam: str, sessions: list[str]) -> tuple[harness.Timings, float]:
    timings = harness.Timings()
    async with harness.learner_client(keepalive_seconds=2) as client:
        stop_floor = asyncio.Event()
        floor = asyncio.create_task(harness.cheapest_response(base, timings, stop_floor))

        async def learner(session_key: str) -> None:
            await asyncio.sleep(random.uniform(0, args.ramp))
            learner = harness.LearnerSession(client, session_key, timings, bases=[base])
            await learner.take_exam(exam, think=tuple(args.think), page_views=args.page_views)

        started = time.monotonic()
        await asyncio.gather(*(learner(key) for key in sessions))
        elapsed = time.monotonic() - started
        stop_floor.set()
        await floor
    return timings, elapsed


def measure_server_floor(args: argparse.Namespace, *, env: dict[str, str], log: Path, rate: float) -> float:
    """CPU seconds per request of gunicorn serving bench/empty_app.py at `rate` requests/s."""
    port = harness.free_port()
    command = harness.gunicorn_command(
        port=port, workers=args.workers, threads=args.threads, app="bench.empty_app:application"
    )
    server = harness.start_process(command, env=env, log=log)
    try:
        harness.wait_for_http(f"http://127.0.0.1:{port}/", process=server)
        before = harness.process_tree_cpu_seconds(server.pid)
        answered = asyncio.run(harness.server_floor(f"http://127.0.0.1:{port}", rate=rate, seconds=args.floor_seconds))
        return (harness.process_tree_cpu_seconds(server.pid) - before) / answered
    finally:
        harness.stop(server)


def main() -> None:
    args = parse_args()
    harness.stop_cleanly_on_sigterm()
    random.seed(args.seed)
    database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/certify_bench_exam_load")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    workdir = Path(tempfile.mkdtemp(prefix="exam-load-"))
    harness.recreate_database(database_url)
    env = harness.server_environment(database_url=database_url, redis_url=redis_url, var_dir=workdir)
    harness.django_setup(env)
    sessions = harness.signed_in_learners(args.learners, prefix="load")
    exam = harness.exam_path()
    port = args.port or harness.free_port()
    base = f"http://127.0.0.1:{port}"
    log = workdir / "gunicorn.log"
    server = harness.start_process(
        harness.gunicorn_command(port=port, workers=args.workers, threads=args.threads), env=env, log=log
    )
    try:
        harness.wait_for_http(f"{base}/healthz", process=server)
        cpu_before = harness.process_tree_cpu_seconds(server.pid)
        switches_before = harness.process_tree_context_switches(server.pid)
        machine_before, driver_before = harness.machine_cpu_seconds(), time.process_time()
        timings, elapsed = asyncio.run(drive(args, base, exam, sessions))
        cpu_used = harness.process_tree_cpu_seconds(server.pid) - cpu_before
        switches = harness.process_tree_context_switches(server.pid) - switches_before
        driver_used = time.process_time() - driver_before
        machine_busy, machine_total = (
            after - before for after, before in zip(harness.machine_cpu_seconds(), machine_before, strict=True)
        )
    finally:
        harness.stop(server)
    requests = sum(len(values) for values in timings.by_kind.values())
    integrity = harness.exam_integrity(timings)
    floor = measure_server_floor(args, env=env, log=log, rate=requests / elapsed) if args.floor_seconds else None
    print(
        f"\nExam load: {args.learners} learners started within {args.ramp:.0f} s, think {args.think[0]:g}-"
        f"{args.think[1]:g} s, page views {'on' if args.page_views else 'off'}; gunicorn {args.workers} x "
        f"{args.threads} threads, DEBUG off, PostgreSQL + Redis; {elapsed:.0f} s\n"
    )
    print("\n".join(timings.report(KINDS, elapsed=elapsed)))
    print(f"\nall kinds: {requests} requests, {requests / elapsed:.1f} req/s")
    print(f"application CPU: {cpu_used:.1f} s, {cpu_used / requests * 1000:.2f} ms per request (gunicorn processes)")
    print(f"context switches of gunicorn's threads: {switches / requests:.1f} per request")
    if floor is not None:
        print(
            f"server floor: {floor * 1000:.2f} ms per request (gunicorn, same settings, an application that does "
            f"nothing, same request rate); the platform's requests cost {cpu_used / requests / floor:.1f} x that"
        )
    print(
        f"machine: {machine_busy / machine_total:.0%} of {os.cpu_count()} cores busy over the run; the load "
        f"generator (this process) used {driver_used:.1f} s of CPU"
    )
    print(f"errors: {len(timings.errors)}" + (f" (first: {timings.errors[:5]})" if timings.errors else ""))
    for name, value in integrity.items():
        print(f"{name}: {value}")
    failed = timings.errors or integrity["missing answers"] or integrity["attempts not finalized exactly once"]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
