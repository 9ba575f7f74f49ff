"""Application CPU per request of each exam hot path, measured one request at a time.

One gunicorn worker with one thread serves a signed-in learner's attempt; the script sends
--requests of each kind in turn and reads the worker's CPU time (and its threads' context
switches) from /proc before and after, so the figure is what the application spends on that
kind of request, free of the queueing and contention a load test adds. `bench/exam_load.py`
measures the same server under load.

    python bench/exam_hot_paths.py [--requests 300]

DATABASE_URL / REDIS_URL as for bench/exam_load.py (default database certify_bench_hot_paths).
"""

import argparse
import os
import random
import secrets
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from bench import harness


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300, help="requests of each kind")
    args = parser.parse_args()
    harness.stop_cleanly_on_sigterm()
    database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/certify_bench_hot_paths")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    workdir = Path(tempfile.mkdtemp(prefix="hot-paths-"))
    harness.recreate_database(database_url)
    env = harness.server_environment(database_url=database_url, redis_url=redis_url, var_dir=workdir)
    env["LOG_LEVEL"] = "INFO"  # the request log line is part of every request's cost
    harness.django_setup(env)
    (session_key,) = harness.signed_in_learners(1, prefix="hot")
    exam = harness.exam_path()
    port = harness.free_port()
    base = f"http://127.0.0.1:{port}"
    server = harness.start_process(
        harness.gunicorn_command(port=port, workers=1, threads=1), env=env, log=workdir / "gunicorn.log"
    )
    csrf = secrets.token_hex(16)
    headers = {"Cookie": f"sessionid={session_key}; csrftoken={csrf}", "X-CSRFToken": csrf}
    try:
        harness.wait_for_http(f"{base}/healthz", process=server)
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            started = client.post(f"{exam}start/")
            attempt = httpx.URL(started.headers["location"]).path
            public_id = attempt.strip("/").split("/")[-1]
            # Two random answer sets, alternated, so that most saves change the stored answer.
            variants = [harness.answers_for(public_id), harness.answers_for(public_id)]
            answers = variants[0]
            kinds = {
                "floor-404": lambda n: client.get(f"/bench-floor-{n}/", headers={"Cookie": ""}),
                "healthz": lambda n: client.get("/healthz"),
                "page": lambda n: client.get(f"{attempt}?q={n % len(answers) + 1}"),
                "save": lambda n: client.post(
                    f"{attempt}answer/",
                    data=dict(
                        position=answers[n % len(answers)][0], **variants[(n // len(answers)) % 2][n % len(answers)][1]
                    ),
                    headers={"HX-Request": "true"},
                ),
                "status": lambda n: client.get(f"{attempt}status"),
            }
            print(f"\nApplication CPU per request, one gunicorn worker, {args.requests} sequential requests each:\n")
            for kind, send in kinds.items():
                for n in range(20):  # warm the worker: templates, URL resolvers, connections
                    send(n)
                before = harness.process_tree_cpu_seconds(server.pid)
                switches_before = harness.process_tree_context_switches(server.pid)
                for n in range(args.requests):
                    response = send(n)
                    if response.status_code >= 500:
                        raise SystemExit(f"{kind}: HTTP {response.status_code}")
                spent = harness.process_tree_cpu_seconds(server.pid) - before
                switches = harness.process_tree_context_switches(server.pid) - switches_before
                print(
                    f"{kind:<10} {spent / args.requests * 1000:6.2f} ms"
                    f"   {switches / args.requests:5.1f} context switches per request"
                )
    finally:
        harness.stop(server)


if __name__ == "__main__":
    random.seed(7)
    main()
