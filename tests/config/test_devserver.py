import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config.devserver import environment, processes, supervisor_config


def test_make_run_starts_web_workers_and_beat_with_the_simulator_in_test_mode(monkeypatch):
    monkeypatch.delenv("CERT_TSA_URL", raising=False)
    commands = processes(test_mode=True)
    assert set(commands) == {"web", "worker", "models", "beat", "simulator", "tsa"}
    # Model calls wait on the network: a thread pool holds 100 in flight; CPU work stays on prefork.
    assert "-Q model_calls -P threads -c 100" in commands["models"]
    assert "-Q default -P prefork" in commands["worker"]
    assert "-m devtools.model_simulator --port 8765 --content content" in commands["simulator"]


def test_a_live_api_key_runs_without_the_simulator():
    assert "simulator" not in processes(test_mode=False)


def test_the_development_timestamp_authority_runs_unless_a_tsa_is_configured(monkeypatch):
    monkeypatch.delenv("CERT_TSA_URL", raising=False)
    assert "timestamp_authority --port" in processes(test_mode=True)["tsa"]
    monkeypatch.setenv("CERT_TSA_URL", "https://tsa.example.com/")
    assert "tsa" not in processes(test_mode=False)


def test_make_run_serves_with_gunicorn_and_dev_mode_with_the_reloading_server():
    assert "-m gunicorn config.wsgi:application" in processes(test_mode=True)["web"]
    assert "manage.py runserver" in processes(test_mode=True, dev=True)["web"]


def test_make_run_turns_debug_off_unless_dev_mode(monkeypatch, tmp_path):
    monkeypatch.delenv("DJANGO_DEBUG", raising=False)
    assert environment(dev=False, var_dir=tmp_path)["DJANGO_DEBUG"] == "false"
    assert environment(dev=True, var_dir=tmp_path)["DJANGO_DEBUG"] == "true"
    monkeypatch.setenv("DJANGO_DEBUG", "true")
    assert environment(dev=False, var_dir=tmp_path)["DJANGO_DEBUG"] == "true", "the caller's setting wins"


def test_make_run_sends_account_links_on_the_plain_http_it_serves(monkeypatch, tmp_path):
    """A confirmation or password-reset link must open on `make run`, which has no TLS."""
    for name in ("DJANGO_DEBUG", "SITE_URL", "SECURE_SSL_REDIRECT", "SECURE_COOKIES"):
        monkeypatch.delenv(name, raising=False)
    code = (
        "import django; django.setup()\n"
        "from allauth.utils import build_absolute_uri\n"
        "from django.test import RequestFactory\n"
        "request = RequestFactory().get('/', HTTP_HOST='127.0.0.1:8000')\n"
        "print(build_absolute_uri(request, '/accounts/confirm-email/key/'))"
    )
    env = {**environment(dev=False, var_dir=tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    printed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.strip() == "http://127.0.0.1:8000/accounts/confirm-email/key/"


def test_celery_node_names_survive_supervisord_expansion(tmp_path, monkeypatch):
    monkeypatch.setenv("CERT_TSA_URL", "https://tsa.example.com/")  # no development TSA process
    config = supervisor_config(processes(test_mode=False), var_dir=tmp_path, directory=tmp_path)
    assert "-n default@%%h" in config
    assert config.count("autorestart=true") == 4


def _child_pid(log: Path, name: str, after: int | None = None) -> int:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        pids = [int(line.rsplit(" ", 1)[1]) for line in log.read_text().splitlines() if f"spawned: '{name}'" in line]
        if pids and pids[-1] != after:
            return pids[-1]
        time.sleep(0.1)
    pytest.fail(f"{name} was not (re)spawned; log:\n{log.read_text()}")


def test_the_supervisor_restarts_a_killed_process_and_keeps_the_others(tmp_path):
    sleeper = f"{sys.executable} -c 'import time; time.sleep(120)'"
    config = tmp_path / "supervisord.conf"
    config.write_text(
        supervisor_config({"victim": sleeper, "bystander": sleeper}, var_dir=tmp_path, directory=tmp_path)
    )
    log = tmp_path / "out.log"
    with log.open("w") as out:
        supervisor = subprocess.Popen(
            [sys.executable, "-m", "supervisor.supervisord", "-c", str(config)], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        victim, bystander = _child_pid(log, "victim"), _child_pid(log, "bystander")
        os.kill(victim, signal.SIGKILL)
        restarted = _child_pid(log, "victim", after=victim)
        assert restarted != victim
        assert "exited: victim (terminated by SIGKILL; not expected)" in log.read_text()
        os.kill(bystander, 0)  # still running: raises if it were gone
    finally:
        supervisor.terminate()
        supervisor.wait(timeout=30)
