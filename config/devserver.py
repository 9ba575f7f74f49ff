"""`make run`: gunicorn, the Celery workers, beat and (in test mode) the model simulator.

They run under supervisord, which restarts any of them that exits (and says so in the log)
while the others keep going; Ctrl-C stops them all. supervisord rather than honcho, which
stops everything when one process exits, and rather than a home-made loop: it is maintained,
on PyPI, handles process groups, back-off on crash loops and clean shutdown, and is what
many deployments already use. The configuration is generated from `processes()`, so adding
a process is one more entry there.

By default this is the production server with DEBUG off; `make run DEV=1` (`--dev`) serves
with Django's reloading development server and DEBUG on instead. Model calls are I/O-bound,
so they get their own queue on a thread pool; everything CPU-bound (PDF rendering, grading
bookkeeping) stays on prefork.
"""

import argparse
import os
import shutil
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
HOST_PORT = os.environ.get("DEV_SERVER_ADDR", "127.0.0.1:8000")
# Certificates: the development RFC 3161 timestamp authority, unless CERT_TSA_URL names one.
DEV_TSA_PORT = os.environ.get("DEV_TSA_PORT", "8766")
DEV_TSA_URL = f"http://127.0.0.1:{DEV_TSA_PORT}/"


def processes(test_mode: bool, dev: bool = False) -> dict[str, str]:
    python = sys.executable
    celery = f"{python} -m celery -A config"
    web = (
        f"{python} manage.py runserver {HOST_PORT}"
        if dev
        else f"{python} -m gunicorn config.wsgi:application -c config/gunicorn.py --bind {HOST_PORT}"
    )
    commands = {
        "web": web,
        "worker": f"{celery} worker -Q default -P prefork -c 2 -n default@%h -l info",
        "models": f"{celery} worker -Q model_calls -P threads -c 100 -n models@%h -l info",
        "beat": f"{celery} beat -l info -s var/celerybeat-schedule",
    }
    if not os.environ.get("CERT_TSA_URL"):
        commands["tsa"] = f"{python} manage.py timestamp_authority --port {DEV_TSA_PORT}"
    if test_mode:
        port = os.environ.get("MODEL_SIMULATOR_PORT", "8765")
        commands["simulator"] = f"{python} -m devtools.model_simulator --port {port} --content content"
    return commands


def environment(*, dev: bool, var_dir: Path) -> dict[str, str]:
    """What `make run` adds to the environment; anything already set wins.

    Without DEV the settings are production-like (DEBUG off) but served over plain HTTP on
    loopback, so HTTPS redirects and secure-only cookies are off.
    """
    defaults = {"PYTHONUNBUFFERED": "1", "PROMETHEUS_MULTIPROC_DIR": str(var_dir / "prometheus")}
    if not os.environ.get("CERT_TSA_URL"):
        defaults["CERT_TSA_URL"] = DEV_TSA_URL  # served by the "tsa" process
    if dev:
        defaults["DJANGO_DEBUG"] = "true"
    else:
        defaults |= {"DJANGO_DEBUG": "false", "SECURE_SSL_REDIRECT": "false", "SECURE_COOKIES": "false"}
    return {**defaults, **os.environ}


def supervisor_config(commands: dict[str, str], *, var_dir: Path, directory: Path) -> str:
    """A supervisord configuration running every command in the foreground, logs to stdout."""
    sections = [
        "[supervisord]",
        "nodaemon=true",
        f"logfile={var_dir / 'supervisord.log'}",
        f"pidfile={var_dir / 'supervisord.pid'}",
        f"childlogdir={var_dir}",
        "",
    ]
    for name, command in commands.items():
        sections += [
            f"[program:{name}]",
            # supervisord expands %(...)s in commands; Celery's %h must reach Celery as is.
            f"command={command.replace('%', '%%')}",
            f"directory={directory}",
            "autostart=true",
            "autorestart=true",
            "startsecs=1",
            "startretries=10",
            "stopasgroup=true",
            "killasgroup=true",
            "stopwaitsecs=15",
            "redirect_stderr=true",
            "stdout_logfile=/dev/stdout",
            "stdout_logfile_maxbytes=0",
            "",
        ]
    return "\n".join(sections)


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the platform with all its processes.")
    parser.add_argument("--dev", action="store_true", help="Django's reloading server with DEBUG on")
    args = parser.parse_args()
    var_dir = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
    var_dir.mkdir(parents=True, exist_ok=True)
    env = environment(dev=args.dev, var_dir=var_dir)
    # Metrics files of the previous run's processes would be counted again.
    shutil.rmtree(env["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
    Path(env["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True)
    test_mode = not env.get("XAI_API_KEY")
    config = var_dir / "supervisord.conf"
    config.write_text(supervisor_config(processes(test_mode, dev=args.dev), var_dir=var_dir, directory=BASE_DIR))
    mode = "test mode: simulated model, no API key" if test_mode else "live model API"
    server = "development server, DEBUG on" if args.dev else "gunicorn, DEBUG off"
    print(f"\n  Serving on http://{HOST_PORT}  ({server}; {mode}; Ctrl-C stops everything)\n", flush=True)
    os.chdir(BASE_DIR)
    os.execve(sys.executable, [sys.executable, "-m", "supervisor.supervisord", "-c", str(config)], env)


if __name__ == "__main__":
    main()
