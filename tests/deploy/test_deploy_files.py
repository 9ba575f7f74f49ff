"""deploy/: the compose file and the systemd units describe the same roles.

Debian's docker-compose validates the file (`config`, which needs no Docker daemon);
.ci/run installs it. The structural checks run everywhere."""

import configparser
import shutil
import subprocess
from pathlib import Path

import yaml

from tests.requirements import require_program

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
APP_ROLES = {"web", "worker-cpu", "worker-models", "beat"}


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_has_every_role_and_the_simulator_only_in_test_mode():
    services = compose()["services"]
    assert set(services) == APP_ROLES | {"migrate", "postgres", "redis", "simulator"}
    assert services["simulator"]["profiles"] == ["test"]
    assert all("profiles" not in services[name] for name in APP_ROLES | {"migrate", "postgres", "redis"})


def test_app_containers_start_after_the_release_migrated_once():
    services = compose()["services"]
    for name in APP_ROLES:
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["migrate"]["restart"] == "no"
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])


def test_queues_are_consumed_by_the_right_pools():
    services = compose()["services"]
    assert "-Q default -P prefork" in " ".join(services["worker-cpu"]["command"])
    assert "-Q model_calls -P threads" in " ".join(services["worker-models"]["command"])


def test_systemd_units_cover_the_same_roles():
    units = {path.stem: path for path in (DEPLOY / "systemd").glob("*.service")}
    assert set(units) == {f"certify-{role}" for role in APP_ROLES} | {"certify-migrate"}
    for name, path in units.items():
        unit = configparser.ConfigParser(interpolation=None, strict=False)
        unit.read(path)
        assert unit["Service"]["EnvironmentFile"] == "/etc/certify/env"
        if name == "certify-migrate":
            assert unit["Service"]["Type"] == "oneshot"
        else:
            assert unit["Service"]["Restart"] == "always", name


def test_compose_config_validates(tmp_path):
    require_program("docker-compose", package="docker-compose")
    (tmp_path / "deploy").mkdir()
    shutil.copy(DEPLOY / "compose.yaml", tmp_path / "deploy" / "compose.yaml")
    shutil.copy(DEPLOY / "env.example", tmp_path / "deploy" / ".env")
    result = subprocess.run(
        ["docker-compose", "-f", "compose.yaml", "--profile", "test", "config", "--services"],
        cwd=tmp_path / "deploy",
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == APP_ROLES | {"migrate", "postgres", "redis", "simulator"}
