"""The deploy files, checked statically (no image can be built here): they parse, and they name the same
command, port, health path and variables as the code."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import yaml
from packaging.requirements import Requirement

from bot.config import Settings
from bot.slack.server import HEALTH_PATH
from tests.helpers import base_env

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DD_API_KEY", "DD_APP_KEY"}


def variables() -> set[str]:
    """Every variable the configuration reads."""
    source = (ROOT / "bot" / "config.py").read_text()
    return set(re.findall(r'(?:env\.get|text|number|ids|_flag)\(\s*(?:env,\s*)?"([A-Z][A-Z0-9_]+)"', source))


def procfile() -> dict[str, list[str]]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {name: shlex.split(command) for name, command in (line.split(":", 1) for line in lines if line.strip())}


def test_the_lock_pins_every_runtime_dependency_within_pyproject() -> None:
    """requirements.txt (pip-compile of pyproject.toml) pins each dependency at a version pyproject allows."""
    declared = [Requirement(r) for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]]
    pins = dict(
        line.split("==", 1) for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line and not line.startswith((" ", "#", "-"))
    )
    pins = {name.lower(): version.strip() for name, version in pins.items()}
    for requirement in declared:
        name = requirement.name.lower()
        assert name in pins, f"{name} is in pyproject.toml but not pinned in requirements.txt: run pip-compile"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} is outside {requirement}"
    assert not any(line.startswith("--") for line in (ROOT / "requirements.txt").read_text().splitlines()), \
        "requirements.txt names an index or a local wheel directory"
    assert (ROOT / ".python-version").read_text().strip() == "3.11"


def test_app_json_lists_every_variable_and_which_are_required() -> None:
    """Heroku's app.json describes every variable the bot reads (PORT is Heroku's), required ones marked."""
    app: dict[str, Any] = json.loads((ROOT / "app.json").read_text())
    assert set(app["env"]) == variables() - {"PORT"}
    assert {name for name, spec in app["env"].items() if spec["required"]} == REQUIRED
    assert all(spec["description"] for spec in app["env"].values())
    assert set(app["formation"]) == set(procfile()) == {"web", "worker"}
    assert app["formation"]["worker"]["quantity"] == 0


def test_procfile_runs_the_bot_in_both_modes() -> None:
    """web: HTTP mode; worker: Socket Mode."""
    assert procfile() == {"web": ["python", "-m", "bot"], "worker": ["python", "-m", "bot", "--socket-mode"]}


def test_the_dockerfile_runs_the_bot_as_pid_1_unprivileged_with_a_health_check() -> None:
    """Slim Python 3.11, a fixed non-root UID, the lock installed, exec-form entry point, HEALTHCHECK on /healthz."""
    text = (ROOT / "Dockerfile").read_text()
    instructions = [line.split(None, 1) for line in text.replace("\\\n", " ").splitlines()
                    if line.strip() and not line.startswith("#")]
    by_name: dict[str, list[str]] = {}
    for name, rest in instructions:
        by_name.setdefault(name, []).append(rest)
    assert by_name["FROM"] == ["python:3.11-slim"]
    assert "pip install --no-cache-dir -r requirements.txt" in by_name["RUN"][0]
    assert by_name["USER"] == ["10001"]
    assert "--uid 10001" in by_name["RUN"][1]
    assert json.loads(by_name["ENTRYPOINT"][0]) == procfile()["web"]
    assert by_name["EXPOSE"] == [str(Settings.from_env(base_env() | {"PORT": ""}).port)]
    assert HEALTH_PATH in by_name["HEALTHCHECK"][0]
    assert "PORT=3000" in by_name["ENV"][0]


def test_compose_runs_two_socket_mode_replicas_on_one_redis() -> None:
    """Two bot replicas in Socket Mode, REDIS_URL pointing at the compose Redis, a stop grace above the bot's."""
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    bot, redis = compose["services"]["bot"], compose["services"]["redis"]
    assert bot["command"] == procfile()["worker"][3:]
    assert bot["deploy"]["replicas"] == 2
    assert bot["environment"]["REDIS_URL"].startswith("redis://redis:")
    assert int(bot["stop_grace_period"].rstrip("s")) > Settings.from_env(base_env()).shutdown_grace
    assert redis["image"].startswith("redis:")


def test_the_kubernetes_example_probes_health_and_outlives_the_grace_period() -> None:
    """Readiness and liveness on /healthz at the port the bot serves; secrets from a Secret holding the
    required variables; a termination grace period above SHUTDOWN_GRACE_SECONDS."""
    documents = list(yaml.safe_load_all((ROOT / "deploy" / "kubernetes.yaml").read_text()))
    secret = next(d for d in documents if d["kind"] == "Secret")
    deployment = next(d for d in documents if d["kind"] == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert set(secret["stringData"]) >= REQUIRED - {"SLACK_SIGNING_SECRET"} | {"SLACK_APP_TOKEN"}
    assert container["envFrom"] == [{"secretRef": {"name": secret["metadata"]["name"]}}]
    assert container["args"] == procfile()["worker"][3:]
    port = next(e["value"] for e in container["env"] if e["name"] == "PORT")
    assert container["ports"][0]["containerPort"] == int(port)
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == HEALTH_PATH
    assert pod["terminationGracePeriodSeconds"] > Settings.from_env(base_env()).shutdown_grace
    assert pod["securityContext"]["runAsUser"] == 10001
    assert set(variables()) >= {e["name"] for e in container["env"]}
