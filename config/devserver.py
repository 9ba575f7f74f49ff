"""`make run`: the web server, the Celery workers, beat and (in test mode) the model simulator.

Ctrl-C stops them all. Model calls are I/O-bound, so they get their own queue on a thread
pool; everything CPU-bound (PDF rendering, grading bookkeeping) stays on prefork.
"""

import os
import sys

from honcho.manager import Manager

HOST_PORT = os.environ.get("DEV_SERVER_ADDR", "127.0.0.1:8000")
# Certificates: the development RFC 3161 timestamp authority, unless CERT_TSA_URL names one.
DEV_TSA_PORT = os.environ.get("DEV_TSA_PORT", "8766")
DEV_TSA_URL = f"http://127.0.0.1:{DEV_TSA_PORT}/"


def processes(test_mode: bool) -> dict[str, str]:
    python = sys.executable
    celery = f"{python} -m celery -A config"
    commands = {
        "web": f"{python} manage.py runserver {HOST_PORT}",
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


def main() -> None:
    test_mode = not os.environ.get("XAI_API_KEY")
    os.makedirs("var", exist_ok=True)
    manager = Manager()
    tsa = {} if os.environ.get("CERT_TSA_URL") else {"CERT_TSA_URL": DEV_TSA_URL}
    for name, command in processes(test_mode).items():
        manager.add_process(name, command, env={**os.environ, "PYTHONUNBUFFERED": "1", **tsa})
    mode = "test mode: simulated model, no API key" if test_mode else "live model API"
    print(f"\n  Serving on http://{HOST_PORT}  ({mode}; Ctrl-C stops everything)\n", flush=True)
    manager.loop()
    sys.exit(manager.returncode)


if __name__ == "__main__":
    main()
