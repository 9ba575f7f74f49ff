"""Demo grading throughput: submissions run and graded by a real Celery worker against the
model simulator answering every call after a fixed latency (5 s by default).

Each demo runs on four cases (one visible, three hidden) and makes 13 model calls: the
learner's run on each case (in parallel), the grader-address classifier, the judge on each
case and the stricter re-check of the simulator's perfect score on each case. Model calls
only wait on the network, so the ceiling is set by how many are in flight: ideal calls/s =
concurrency / latency, and ideal demos/min = 60 x ideal calls/s / 13.

Two phases, in one run:
  1. the thread-pool worker the platform uses for the `model_calls` queue
     (`celery -A config worker -Q model_calls -P threads -c 100`) on --demos submissions;
  2. a baseline: Celery's prefork default with 2 processes (one per core here) on a
     small sample (--baseline-demos), measured the same way.

By default everything is throwaway: a temporary folder holds a SQLite database, the
file-system broker and the cache. With --configured the DATABASE_URL / REDIS_URL of the
environment are used instead (PostgreSQL and Redis); the bench's own course, learners and
submissions are deleted at the end.

    python bench/demo_throughput.py [--demos 1000] [--latency 5] [--concurrency 100]
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COURSE_SLUG = "bench-throughput-course"
TASK_SLUG = "bench-throughput-haiku"
SYSTEM_PROMPT = "You are a poet. Answer with exactly one haiku of three short lines and nothing else."
USER_PROMPT = "Write a haiku about {{topic}}."
CALLS_PER_DEMO = 13  # 4 case runs, the classifier, 4 verdicts, 4 rechecks


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demos", type=int, default=1000, help="submissions for the thread-pool run")
    parser.add_argument("--latency", type=float, default=5.0, help="seconds the simulator takes per call")
    parser.add_argument("--concurrency", type=int, default=100, help="worker threads = DEMO_MAX_CONCURRENT_CALLS")
    parser.add_argument("--baseline-demos", type=int, default=8, help="submissions for the prefork -c 2 baseline")
    parser.add_argument(
        "--configured",
        action="store_true",
        help="use DATABASE_URL and REDIS_URL from the environment instead of a throwaway setup",
    )
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_environment(args: argparse.Namespace, workdir: Path, port: int) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "VAR_DIR": str(workdir),
            "XAI_BASE_URL": f"http://127.0.0.1:{port}/v1",
            "DEMO_MAX_CONCURRENT_CALLS": str(args.concurrency),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.pop("XAI_API_KEY", None)  # test mode: the simulator, never a real endpoint
    if not args.configured:
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
    os.environ.clear()
    os.environ.update(env)
    return env


def write_course(content: Path) -> None:
    course = content / COURSE_SLUG
    files = {
        course / "course.yaml": f"""
            slug: {COURSE_SLUG}
            title: Throughput benchmark
            version: "1"
            domains: {{prompting: Prompting}}
        """,
        course / "01-m" / "module.yaml": "slug: bench-module\ntitle: Module\norder: 1\n",
        course / "01-m" / "01-l.md": "---\ntitle: Lesson\nslug: bench-lesson\norder: 1\nminutes: 1\n---\n## Text\n",
        course / "demos" / "haiku" / "task.md": f"""
            ---
            slug: {TASK_SLUG}
            title: Write a haiku
            domain: prompting
            modality: text
            learner_writes: [system_prompt, user_prompt]
            placeholders: {{topic: What the haiku is about.}}
            cases:
              - {{id: example, visible: true, inputs: {{topic: {{text: rain}}}}}}
              - {{id: snow, inputs: {{topic: {{text: snow}}}}}}
              - {{id: wind, inputs: {{topic: {{text: wind}}}}}}
              - {{id: fog, inputs: {{topic: {{text: fog}}}}}}
            model: {{name: grok-4.3, temperature: 0, max_output_tokens: 300}}
            checks:
              - {{kind: word_count, min: 1, max: 200}}
            rubric:
              - {{id: form, weight: 1, description: The answer is a haiku.}}
            pass_threshold: 0.5
            limits: {{prompt_max_chars: 2000, runs_per_hour: 100}}
            ---
            Write a prompt that makes the model answer with one haiku.
        """,
        course / "demos" / "haiku" / "reference.yaml": f"""
            system_prompt: {SYSTEM_PROMPT}
            user_prompt: "{USER_PROMPT}"
            outputs:
              example: {{content: Rain on the roof}}
              snow: {{content: Snow on the roof}}
              wind: {{content: Wind on the roof}}
              fog: {{content: Fog on the roof}}
        """,
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the simulator did not start on port {port}")


def start_worker(env: dict, pool: str, concurrency: int, log: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-Q",
        "model_calls",
        "-P",
        pool,
        "-c",
        str(concurrency),
        "--loglevel=INFO",
        "-n",
        f"bench-{pool}@%h",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
    ]
    handle = log.open("w")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while " ready." not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the {pool} worker did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_phase(name: str, env: dict, workdir: Path, pool: str, concurrency: int, demos: int, latency: float) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import close_old_connections

    from assessments.demos import limits, services
    from assessments.models import DemoTask, ModelCallRecord, Submission

    limits.reset()
    task = DemoTask.objects.get(slug=TASK_SLUG)
    per_learner = 10
    learners = [
        get_user_model().objects.create_user(email=f"bench-{name}-{n}@example.com")
        for n in range(-(-demos // per_learner))
    ]
    worker = start_worker(env, pool, concurrency, workdir / f"worker-{name}.log")
    try:
        started = time.monotonic()
        ids = [
            services.submission_create(
                learner=learners[n // per_learner],
                task=task,
                system_prompt=SYSTEM_PROMPT,
                user_prompt=f"{USER_PROMPT} This is request number {n}.",
            ).pk
            for n in range(demos)
        ]
        submitted = time.monotonic() - started
        pending = Submission.objects.filter(pk__in=ids, state__in=["queued", "running"])
        while pending.exists():
            time.sleep(0.5)
            close_old_connections()
        wall = time.monotonic() - started
    finally:
        stop(worker)
    done = Submission.objects.filter(pk__in=ids)
    calls = ModelCallRecord.objects.filter(submission_id__in=ids).count()
    turnaround = [(s.finished_at - s.created_at).total_seconds() for s in done if s.finished_at]
    ideal_calls_per_s = concurrency / latency
    return {
        "name": name,
        "pool": pool,
        "concurrency": concurrency,
        "demos": demos,
        "wall": wall,
        "submit_seconds": submitted,
        "graded": done.filter(state="graded").count(),
        "failed": done.filter(state="failed").count(),
        "review": done.filter(state="needs_review").count(),
        "calls": calls,
        "calls_per_s": calls / wall,
        "demos_per_min": demos / wall * 60,
        "ideal_calls_per_s": ideal_calls_per_s,
        "ratio": calls / wall / ideal_calls_per_s,
        "median_turnaround": statistics.median(turnaround) if turnaround else float("nan"),
    }


def cleanup(configured: bool) -> None:
    if not configured:
        return
    from accounts.models import User
    from assessments.models import DemoTask, Submission
    from courses.models import Course

    Submission.objects.filter(task__slug=TASK_SLUG).delete()
    DemoTask.objects.filter(slug=TASK_SLUG).delete()
    Course.objects.filter(slug=COURSE_SLUG).delete()
    User.objects.filter(email__startswith="bench-", email__endswith="@example.com").delete()


def main() -> None:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="demo-bench-"))
    port = free_port()
    env = prepare_environment(args, workdir, port)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)  # the file broker's folders under VAR_DIR come from the settings
    write_course(workdir / "content")
    with open(os.devnull, "w") as quiet:
        call_command("sync_content", str(workdir / "content"), stdout=quiet, stderr=quiet)
    simulator = subprocess.Popen(
        [sys.executable, "-m", "devtools.model_simulator", "--port", str(port), "--latency", str(args.latency)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results = []
    try:
        wait_for_port(port)
        print(
            f"database {connection.vendor}, broker {settings.CELERY_BROKER_URL.split('://')[0]}, "
            f"cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}, simulator latency "
            f"{args.latency:g} s, limits {settings.DEMO_MAX_CONCURRENT_CALLS} in flight / "
            f"{settings.DEMO_CALLS_PER_SECOND:g} calls/s, {os.cpu_count()} CPUs",
            flush=True,
        )
        phases = [("threads", "threads", args.concurrency, args.demos), ("prefork", "prefork", 2, args.baseline_demos)]
        for name, pool, concurrency, demos in phases:
            print(f"running {demos} demos on -P {pool} -c {concurrency} ...", flush=True)
            results.append(run_phase(name, env, workdir, pool, concurrency, demos, args.latency))
    finally:
        stop(simulator)
        cleanup(args.configured)
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(
        f"{'worker':<22}{'demos':>7}{'wall s':>9}{'demos/min':>11}{'calls/s':>9}{'ideal':>8}{'of ideal':>10}"
        f"{'median turnaround s':>21}{'failed':>8}"
    )
    for r in results:
        print(
            f"{'-P ' + r['pool'] + ' -c ' + str(r['concurrency']):<22}{r['demos']:>7}{r['wall']:>9.1f}"
            f"{r['demos_per_min']:>11.1f}{r['calls_per_s']:>9.2f}{r['ideal_calls_per_s']:>8.2f}"
            f"{r['ratio']:>10.1%}{r['median_turnaround']:>21.1f}{r['failed'] + r['review']:>8}"
        )
    threads, prefork = results
    print()
    print(
        f"thread pool: {threads['ratio']:.1%} of the ideal {threads['ideal_calls_per_s']:.0f} calls/s "
        f"(target 80%): {threads['calls']} model calls for {threads['graded']} graded demos in "
        f"{threads['wall']:.1f} s ({threads['submit_seconds']:.1f} s of it spent submitting); ideal "
        f"{threads['ideal_calls_per_s'] * 60 / CALLS_PER_DEMO:.0f} demos/min at {CALLS_PER_DEMO} calls each"
    )
    print(
        f"prefork -c 2 reaches {prefork['calls_per_s'] / threads['ideal_calls_per_s']:.1%} of that ideal; "
        f"the thread pool is {threads['calls_per_s'] / prefork['calls_per_s']:.0f}x faster"
    )
    sys.exit(0 if threads["ratio"] >= 0.8 and threads["failed"] == 0 else 1)


if __name__ == "__main__":
    main()
