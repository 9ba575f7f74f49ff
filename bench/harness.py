"""What the exam load and multi-node benchmarks share: a throwaway PostgreSQL database set up
with the real course, signed-in learners, gunicorn and Celery processes, an HTTP learner
that takes the certification exam, and the database checks afterwards.

Nothing here mocks anything: the servers are the production ones, reached over loopback HTTP.
The learners speak HTTP through aiohttp, whose client costs about 0.2 ms of CPU per request
where httpx's async client, at a few hundred open connections, cost 4.5 ms: on a two-core box
the load generator would otherwise take as much CPU as the server it measures.
"""

import asyncio
import logging
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import aiohttp
import httpx

ROOT = Path(__file__).resolve().parent.parent
EXAM_SLUG = "certification-exam"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- environment and database ---------------------------------------------------------------
def stop_cleanly_on_sigterm() -> None:
    """`timeout` and CI stop a run with SIGTERM: turned into SystemExit, it runs the `finally`
    blocks that stop the servers the run started, instead of leaving them behind."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def recreate_database(database_url: str) -> None:
    """Drop and create the benchmark's own database; refuses names without "bench" in them."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to recreate database {name!r}: its name must contain 'bench'")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def server_environment(*, database_url: str, redis_url: str, var_dir: Path) -> dict[str, str]:
    """The environment of every process of a run: production-like settings over loopback HTTP."""
    env = dict(os.environ)
    env.pop("XAI_API_KEY", None)  # test mode: a simulator, never a real endpoint
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DJANGO_DEBUG": "false",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CACHE_KEY_PREFIX": f"bench-{os.getpid()}",
            "VAR_DIR": str(var_dir),
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "ACCOUNT_RATE_LIMITS_ENABLED": "false",
        }
    )
    return env


def django_setup(env: dict[str, str]) -> None:
    """Configure Django in this process for the run's database, migrate and sync the course."""
    os.environ.clear()
    os.environ.update(env)
    import django
    from django.core.management import call_command

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request of the bench's own client
    call_command("migrate", verbosity=0)
    call_command("sync_content", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)


def signed_in_learners(count: int, *, prefix: str) -> list[str]:
    """`count` verified learners, each with a session as a login would leave it; returns the
    session keys (logging in through the form would benchmark the password hash instead)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.cached_db import SessionStore

    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [
            user_model(email=f"{prefix}-{n}@bench.localhost", username=f"{prefix}-{n}@bench.localhost")
            for n in range(count)
        ]
    )
    keys = []
    for user in users:
        user.set_unusable_password()
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "accounts.auth_backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    user_model.objects.bulk_update(users, ["password"])
    return keys


def exam_path() -> str:
    from assessments.models.exams import Exam

    exam = Exam.objects.select_related("course").get(slug=EXAM_SLUG)
    return f"/exams/{exam.course.slug}/{exam.slug}/"


# --- processes --------------------------------------------------------------------------------
def wait_for_http(url: str, *, timeout: float = 60, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the process serving {url} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def start_process(command: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen:
    """A server process in its own process group, so that it can be killed with its children."""
    handle = log.open("a")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def gunicorn_command(*, port: int, workers: int, threads: int, app: str = "config.wsgi:application") -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        app,
        "-c",
        "config/gunicorn.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]


def celery_beat_command() -> list[str]:
    """Celery beat with its schedule file under VAR_DIR (config.settings), as `make run` starts it."""
    return [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "warning"]


def celery_worker_command(*, queue: str, name: str) -> list[str]:
    pool = ["-P", "threads", "-c", "20"] if queue == "model_calls" else ["-P", "prefork", "-c", "1"]
    return [
        sys.executable,
        *["-m", "celery", "-A", "config", "worker", "-Q", queue, *pool, "-n", f"{name}@%h", "-l", "warning"],
        *["--without-mingle", "--without-gossip"],
    ]


def stop(process: subprocess.Popen, *, kill: bool = False) -> None:
    """SIGKILL to the whole group (a crash) or SIGTERM (a clean stop), then reap."""
    try:
        os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _process_tree(pid: int) -> list[int]:
    """A process and its live descendants (gunicorn's master and workers)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
        found.append(current)
    return found


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live children."""
    total = 0.0
    for current in _process_tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


def process_tree_context_switches(pid: int) -> int:
    """Times the threads of a process and its live children went to sleep or were preempted:
    what server shapes (processes, threads) differ by. A wake-up costs up to about 0.1 ms of the
    process's CPU on this virtual machine (the README's exam_load notes)."""
    total = 0
    for current in _process_tree(pid):
        try:
            tasks = list(Path(f"/proc/{current}/task").iterdir())
        except (FileNotFoundError, ProcessLookupError):
            continue
        for task in tasks:
            try:
                status = (task / "status").read_text()
            except (FileNotFoundError, ProcessLookupError):
                continue
            total += sum(
                int(line.split()[1])
                for line in status.splitlines()
                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"))
            )
    return total


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of every core since boot, from /proc/stat: with the two, a run
    can tell how close to saturated the whole machine was, load generator and databases included."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    total = sum(values[:8])  # guest time is already counted in user
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


# --- the learner ------------------------------------------------------------------------------
@dataclass
class Timings:
    """Latencies in seconds by request kind, and everything that went wrong."""

    by_kind: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    # (attempt public id, position) -> the raw answer whose save the server acknowledged
    acknowledged: dict[tuple[str, int], object] = field(default_factory=dict)
    attempts: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def report(self, kinds: list[str], *, elapsed: float) -> list[str]:
        lines = [f"{'kind':<10} {'n':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>7}"]
        for kind in kinds:
            values = sorted(self.by_kind.get(kind, []))
            if not values:
                continue
            cuts = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else values * 99
            lines.append(
                f"{kind:<10} {len(values):>7} {cuts[49] * 1000:>8.1f} {cuts[94] * 1000:>8.1f} "
                f"{cuts[98] * 1000:>8.1f} {len(values) / elapsed:>7.1f}"
            )
        return lines


@dataclass(frozen=True)
class Reply:
    """What the learner reads of a response."""

    status: int
    location: str
    text: str


def learner_client(*, keepalive_seconds: float) -> aiohttp.ClientSession:
    """One connection pool for every learner. Each request carries its learner's cookies itself,
    so the client keeps none (a shared cookie jar would mix the learners up)."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=400, keepalive_timeout=keepalive_seconds),
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=60),
    )


class LearnerSession:
    """One signed-in learner speaking HTTP like the browser does (htmx autosave, status polls)."""

    def __init__(self, client: aiohttp.ClientSession, session_key: str, timings: Timings, *, bases: list[str]):
        csrf = secrets.token_hex(16)  # Django accepts a 32-character secret as cookie and header
        self.headers = {"Cookie": f"sessionid={session_key}; csrftoken={csrf}", "X-CSRFToken": csrf}
        self.client, self.timings, self.bases = client, timings, bases

    async def request(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        ok: tuple[int, ...] = (200,),
        data: dict | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply | None:
        """Tries each base URL in turn (two web nodes behind a load balancer do the same)."""
        headers = {**self.headers, **(headers or {})}
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for base in random.sample(self.bases, len(self.bases)):
            started = time.monotonic()
            try:
                async with self.client.request(
                    method, base + path, headers=headers, data=body, allow_redirects=False
                ) as response:
                    reply = Reply(response.status, response.headers.get("Location", ""), await response.text())
            except (aiohttp.ClientError, TimeoutError) as exc:
                self.timings.errors.append(f"{kind} {base}: {type(exc).__name__}")
                continue
            self.timings.by_kind[kind].append(time.monotonic() - started)
            if reply.status in ok:
                return reply
            self.timings.errors.append(f"{kind} {base}: HTTP {reply.status}")
            if reply.status < 500:
                return None
        return None

    async def take_exam(self, exam: str, *, think: tuple[float, float], page_views: bool) -> None:
        started = await self.request("start", "POST", f"{exam}start/", ok=(302,))
        if started is None:
            return
        attempt_path = urlsplit(started.location).path
        public_id = attempt_path.strip("/").split("/")[-1]
        self.timings.attempts.append(public_id)
        questions = await asyncio.to_thread(answers_for, public_id)
        poller = asyncio.create_task(self.poll_status(attempt_path))
        try:
            for position, fields in questions:
                if page_views:
                    await self.request("page", "GET", f"{attempt_path}?q={position}")
                await asyncio.sleep(random.uniform(*think))
                saved = await self.request(
                    "save",
                    "POST",
                    f"{attempt_path}answer/",
                    data={"position": position, **fields},
                    headers={"HX-Request": "true"},
                )
                if saved is not None and f"Answer {position} saved at" in saved.text:
                    self.timings.acknowledged[(public_id, position)] = fields
        finally:
            poller.cancel()
        await self.request("submit", "POST", f"{attempt_path}submit/", ok=(302,))

    async def poll_status(self, attempt_path: str) -> None:
        """The page's timer re-syncs every 20 seconds."""
        while True:
            await asyncio.sleep(20)
            await self.request("status", "GET", f"{attempt_path}status")


def answers_for(public_id: str) -> list[tuple[int, dict]]:
    """A valid form answer for each question of the attempt, as the page's inputs would send it."""
    from django.db import connection

    from assessments.models.exams import AttemptQuestion, QuestionKind

    slots = AttemptQuestion.objects.filter(attempt__public_id=public_id).order_by("position")
    answers = []
    for position, kind, options in slots.values_list("position", "version__kind", "version__options"):
        ids = [str(option["id"]) for option in options]
        if kind == QuestionKind.SINGLE:
            fields = {"answer": random.choice(ids)}
        elif kind == QuestionKind.MULTIPLE:
            fields = {"answer": random.sample(ids, k=2)}
        elif kind == QuestionKind.ORDERING:
            fields = {f"rank-{option_id}": str(rank) for rank, option_id in enumerate(random.sample(ids, len(ids)), 1)}
        elif kind == QuestionKind.TRUE_FALSE:
            fields = {"answer": random.choice(["true", "false"])}
        elif kind == QuestionKind.NUMERIC:
            fields = {"answer": str(random.randint(1, 100))}
        else:
            fields = {"answer": "tool_choice"}
        answers.append((position, fields))
    connection.close()  # this ran in a worker thread; its connection must not linger
    return answers


async def cheapest_response(base: str, timings: Timings, stop_event: asyncio.Event) -> None:
    """An anonymous request for a page that does not exist, twice a second: the floor."""
    async with learner_client(keepalive_seconds=2) as client:
        while not stop_event.is_set():
            started = time.monotonic()
            try:
                async with client.get(f"{base}/bench-floor-{secrets.token_hex(4)}/") as response:
                    await response.read()
                    if response.status == 404:
                        timings.by_kind["floor-404"].append(time.monotonic() - started)
            except (aiohttp.ClientError, TimeoutError) as exc:
                timings.errors.append(f"floor: {type(exc).__name__}")
            await asyncio.sleep(0.5)


async def server_floor(base: str, *, rate: float, seconds: float) -> int:
    """Requests at `rate` per second for `seconds`, each on a new connection as the learners'
    are (their think time outlasts the keep-alive): what the server costs with no application
    behind it. Returns the number of requests answered."""
    answered = 0

    async def one(client: aiohttp.ClientSession) -> None:
        nonlocal answered
        async with client.get(f"{base}/") as response:
            await response.read()
            answered += response.status == 200

    connector = aiohttp.TCPConnector(limit=400, force_close=True)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as client:
        started, pending = time.monotonic(), []
        while time.monotonic() - started < seconds:
            pending.append(asyncio.create_task(one(client)))
            await asyncio.sleep(random.expovariate(rate))  # arrivals as from learners acting independently
        await asyncio.gather(*pending, return_exceptions=True)
    return answered


# --- checks in the database -------------------------------------------------------------------
def exam_integrity(timings: Timings) -> dict[str, int]:
    """Acknowledged answers missing or different in the database, and attempts not finalized
    exactly once (by the learner's submit)."""
    from django.db.models import Count, Q
    from django.http import QueryDict

    from assessments.exams.scoring import clean_response
    from assessments.exams.views import _raw_answer
    from assessments.models.exams import Attempt, AttemptQuestion, AttemptState, EventKind

    stored = {
        (str(public_id), position): (kind, options, response)
        for public_id, position, kind, options, response in AttemptQuestion.objects.filter(
            attempt__public_id__in=timings.attempts
        ).values_list("attempt__public_id", "position", "version__kind", "version__options", "response")
    }
    missing = 0
    for key, fields in timings.acknowledged.items():
        kind, options, response = stored[key]
        form = QueryDict(mutable=True)
        for name, value in fields.items():
            form.setlist(name, value if isinstance(value, list) else [value])
        expected = clean_response(kind=kind, options=options, raw=_raw_answer(kind, options, form))
        missing += response != expected
    attempts = Attempt.objects.filter(public_id__in=timings.attempts).annotate(
        finalized=Count("events", filter=Q(events__kind=EventKind.FINALIZED))
    )
    return {
        "acknowledged answers": len(timings.acknowledged),
        "missing answers": missing,
        "attempts": attempts.count(),
        "attempts not finalized exactly once": attempts.exclude(finalized=1).count(),
        "attempts not submitted": attempts.exclude(state=AttemptState.SUBMITTED).count(),
    }
