"""The deploy files, checked statically (no image can be built here): they parse, and they name the same
command, port, health path and variables as the code."""

from __future__ import annotations

import copy
import fnmatch
import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from packaging.requirements import Requirement

from bot.config import Settings
from bot.slack.http_app import HEALTH_PATH, LIVE_PATH, READY_PATH
from bot.slack.server import STOP_REPORT_SECONDS
from tests.helpers import base_env

ROOT = Path(__file__).resolve().parents[1]
ALWAYS_REQUIRED = {"SLACK_BOT_TOKEN", "DD_API_KEY", "DD_APP_KEY"}  # both modes; each mode adds its own


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
    """Heroku's app.json describes every variable the bot reads (PORT is Heroku's), required ones marked: only
    those both modes need (the signing secret is HTTP mode's, the app token Socket Mode's, each saying so)."""
    app: dict[str, Any] = json.loads((ROOT / "app.json").read_text())
    assert set(app["env"]) == variables() - {"PORT"}
    assert {name for name, spec in app["env"].items() if spec["required"]} == ALWAYS_REQUIRED
    assert "HTTP mode" in app["env"]["SLACK_SIGNING_SECRET"]["description"]
    assert "Socket Mode" in app["env"]["SLACK_APP_TOKEN"]["description"]
    assert set(app["formation"]) == set(procfile()) == {"web", "worker"}
    assert app["formation"]["worker"]["quantity"] == 0


def test_every_app_json_description_says_more_than_the_name() -> None:
    """A description is a sentence of its own: not the variable's name, at least five words."""
    app: dict[str, Any] = json.loads((ROOT / "app.json").read_text())
    for name, spec in app["env"].items():
        description = spec["description"]
        assert description.strip() != name, name
        assert len(description.split()) >= 5, f"{name}: {description!r}"


def test_env_example_sections_say_which_mode_needs_what() -> None:
    """.env.example's "Required" section holds what both modes need; the app token and the signing secret each
    sit under their own mode's heading."""
    sections: dict[str, set[str]] = {}
    heading = ""
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.startswith("# ---"):
            heading = line.strip("# -")
        elif re.match(r"^[A-Z][A-Z0-9_]+=", line):
            sections.setdefault(heading, set()).add(line.split("=", 1)[0])
    assert sections["Required"] == ALWAYS_REQUIRED
    assert sections[next(h for h in sections if h.startswith("Required in Socket Mode"))] == {"SLACK_APP_TOKEN"}
    assert sections[next(h for h in sections if h.startswith("Required in HTTP mode"))] == {"SLACK_SIGNING_SECRET"}


def test_procfile_runs_the_bot_in_both_modes() -> None:
    """web: HTTP mode; worker: Socket Mode."""
    assert procfile() == {"web": ["python", "-m", "bot"], "worker": ["python", "-m", "bot", "--socket-mode"]}


def test_the_dockerfile_runs_the_bot_as_pid_1_unprivileged_with_a_liveness_check() -> None:
    """Slim Python 3.11, a fixed non-root UID, the lock installed, exec-form entry point, HEALTHCHECK on /livez
    (never readiness: a Slack outage must not make every container unhealthy)."""
    by_name = dockerfile()
    assert by_name["FROM"] == ["python:3.11-slim"]
    assert "pip install --no-cache-dir -r requirements.txt" in by_name["RUN"][0]
    assert by_name["USER"] == ["10001"]
    assert "--uid 10001" in by_name["RUN"][1]
    assert json.loads(by_name["ENTRYPOINT"][0]) == procfile()["web"]
    assert by_name["EXPOSE"] == [str(Settings.from_env(base_env() | {"PORT": ""}).port)]
    assert LIVE_PATH in by_name["HEALTHCHECK"][0]
    assert READY_PATH not in by_name["HEALTHCHECK"][0]
    assert HEALTH_PATH not in by_name["HEALTHCHECK"][0]
    assert "PORT=3000" in by_name["ENV"][0]


def test_the_build_context_leaves_out_secrets_and_the_virtualenv_but_not_what_the_image_copies() -> None:
    """.dockerignore excludes .env (any variant but the example), .venv and .git; every COPY source stays in."""
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]

    def ignored(path: str) -> bool:  # Docker's rules: the last matching pattern wins; "!" re-includes
        verdict = False
        for pattern in patterns:
            negated, glob = pattern.startswith("!"), pattern.lstrip("!").rstrip("/").removeprefix("**/")
            parts = path.split("/")
            if any(fnmatch.fnmatch("/".join(parts[:i]), glob) or fnmatch.fnmatch(parts[i - 1], glob)
                   for i in range(1, len(parts) + 1)):
                verdict = not negated
        return verdict

    for path in (".env", ".env.local", ".venv/bin/python", ".git/config", "bot/__pycache__/x.pyc"):
        assert ignored(path), path
    copied = [source for rest in by_name_all("COPY") for source in rest.split()[:-1]]
    assert copied
    assert not [source for source in copied if ignored(source)]
    assert not ignored("bot/__main__.py")
    assert not ignored(".env.example")


def test_compose_runs_two_socket_mode_replicas_on_one_redis() -> None:
    """Two bot replicas in Socket Mode, REDIS_URL pointing at the compose Redis, a stop grace above the bot's,
    and a health check on liveness only."""
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    bot, redis = compose["services"]["bot"], compose["services"]["redis"]
    assert bot["command"] == procfile()["worker"][3:]
    assert bot["deploy"]["replicas"] == 2
    assert bot["environment"]["REDIS_URL"].startswith("redis://redis:")
    assert int(bot["stop_grace_period"].rstrip("s")) > Settings.from_env(base_env()).shutdown_grace
    assert redis["image"].startswith("redis:")
    check = " ".join(bot["healthcheck"]["test"])
    assert f":{bot['environment']['PORT']}{LIVE_PATH}" in check
    assert READY_PATH not in check


def test_the_kubernetes_probes_restart_only_a_dead_process() -> None:
    """Liveness (and the start-up probe) on /livez, readiness on /readyz, at the port the bot serves; a
    termination grace above SHUTDOWN_GRACE_SECONDS plus the 5 s of reporting."""
    container, pod = bot_container(), bot_pod()
    assert container["livenessProbe"]["httpGet"]["path"] == LIVE_PATH
    assert container["startupProbe"]["httpGet"]["path"] == LIVE_PATH
    assert container["readinessProbe"]["httpGet"]["path"] == READY_PATH
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["port"] == container["ports"][0]["name"]
    assert container["ports"][0]["containerPort"] == int(k8s_variables()["PORT"])
    assert pod["terminationGracePeriodSeconds"] > Settings.from_env(base_env()).shutdown_grace + STOP_REPORT_SECONDS
    assert container["args"] == procfile()["worker"][3:]


def test_the_kubernetes_example_sets_each_variable_once_and_never_overrides_the_secret() -> None:
    """Every variable comes from exactly one of the ConfigMap and the Secret, through envFrom; no `env` entry
    (which would win over both: an EU operator silently on US1); secrets only in the Secret."""
    config, secret = k8s_document("ConfigMap"), k8s_document("Secret")
    container = bot_container()
    assert "env" not in container
    assert container["envFrom"] == [{"configMapRef": {"name": config["metadata"]["name"]}},
                                    {"secretRef": {"name": secret["metadata"]["name"]}}]
    assert not set(config["data"]) & set(secret["stringData"])
    assert set(secret["stringData"]) >= ALWAYS_REQUIRED | {"SLACK_APP_TOKEN", "REDIS_URL"}
    assert not set(config["data"]) & {"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DD_API_KEY",
                                      "DD_APP_KEY", "REDIS_URL"}
    assert set(k8s_variables()) <= variables()
    assert Settings.from_env(base_env() | {"DD_SITE": config["data"]["DD_SITE"]}).dd_site == "datadoghq.com"


def test_two_kubernetes_replicas_share_the_redis_the_example_runs() -> None:
    """replicas: 2 only with a REDIS_URL, and that URL names the example's own Redis Service and port."""
    deployment = next(d for d in k8s_documents() if d["kind"] == "Deployment"
                      and d["metadata"]["name"] == "cancel-downtime-bot")
    assert deployment["spec"]["replicas"] == 2
    url = urlsplit(k8s_variables()["REDIS_URL"])
    service = k8s_document("Service")
    assert url.scheme == "redis"
    assert url.hostname == service["metadata"]["name"]
    assert url.port == service["spec"]["ports"][0]["port"]
    redis = next(d for d in k8s_documents()
                 if d["kind"] == "Deployment" and d["metadata"]["name"] != "cancel-downtime-bot")
    assert redis["spec"]["template"]["metadata"]["labels"] == service["spec"]["selector"]


@pytest.mark.parametrize("name", ["cancel-downtime-bot", "cancel-downtime-redis"])
def test_every_pod_meets_the_pod_security_restricted_profile(name: str) -> None:
    """The rules of Kubernetes' Pod Security Standards, "restricted" level, for every container of each pod."""
    violations = restricted_violations(pod_of(name))
    assert violations == [], violations


def test_the_restricted_check_finds_what_the_profile_forbids() -> None:
    """The check itself fails a pod the profile rejects (so its pass above means something)."""
    pod = copy.deepcopy(bot_pod())
    assert restricted_violations(pod) == []
    del pod["securityContext"]["seccompProfile"]
    pod["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = True
    pod["containers"][0]["securityContext"]["capabilities"] = {"drop": ["NET_RAW"], "add": ["SYS_ADMIN"]}
    pod["hostNetwork"] = True
    pod["volumes"] = [{"name": "h", "hostPath": {"path": "/"}}]
    found = restricted_violations(pod)
    for rule in ("seccompProfile", "allowPrivilegeEscalation", "drop ALL", "adds SYS_ADMIN", "hostNetwork",
                 "volume h"):
        assert any(rule in v for v in found), (rule, found)


# Volume types the restricted profile allows (Pod Security Standards, "Volume Types").
RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                      "projected", "secret"}


def restricted_violations(pod: dict[str, Any]) -> list[str]:
    """What Kubernetes' "restricted" Pod Security level would reject in this pod spec (its baseline rules
    included: no host namespaces, host ports, privileged containers, added capabilities or host paths)."""
    found: list[str] = []
    pod_context = pod.get("securityContext", {})
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(flag):
            found.append(f"pod sets {flag}")
    for volume in pod.get("volumes", []):
        kinds = set(volume) - {"name"}
        if not kinds <= RESTRICTED_VOLUMES:
            found.append(f"volume {volume['name']} is {', '.join(sorted(kinds))}")
    for container in pod["containers"] + pod.get("initContainers", []):
        context, name = container.get("securityContext", {}), container["name"]
        if context.get("privileged"):
            found.append(f"{name} is privileged")
        if context.get("allowPrivilegeEscalation") is not False:
            found.append(f"{name}: allowPrivilegeEscalation is not false")
        capabilities = context.get("capabilities", {})
        if "ALL" not in capabilities.get("drop", []):
            found.append(f"{name}: capabilities do not drop ALL")
        for added in set(capabilities.get("add", [])) - {"NET_BIND_SERVICE"}:
            found.append(f"{name} adds {added}")
        if context.get("runAsNonRoot", pod_context.get("runAsNonRoot")) is not True:
            found.append(f"{name}: runAsNonRoot is not true")
        if context.get("runAsUser", pod_context.get("runAsUser")) == 0:
            found.append(f"{name} runs as UID 0")
        seccomp = context.get("seccompProfile", pod_context.get("seccompProfile", {}))
        if seccomp.get("type") not in ("RuntimeDefault", "Localhost"):
            found.append(f"{name}: seccompProfile is not RuntimeDefault or Localhost")
        if any(port.get("hostPort") for port in container.get("ports", [])):
            found.append(f"{name} uses a hostPort")
        if context.get("procMount", "Default") != "Default":
            found.append(f"{name}: procMount is not Default")
    return found


def dockerfile() -> dict[str, list[str]]:
    """The Dockerfile's instructions by name, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text()
    instructions = [line.split(None, 1) for line in text.replace("\\\n", " ").splitlines()
                    if line.strip() and not line.startswith("#")]
    by_name: dict[str, list[str]] = {}
    for name, rest in instructions:
        by_name.setdefault(name, []).append(rest)
    return by_name


def by_name_all(instruction: str) -> list[str]:
    return dockerfile().get(instruction, [])


def k8s_documents() -> list[dict[str, Any]]:
    return list(yaml.safe_load_all((ROOT / "deploy" / "kubernetes.yaml").read_text()))


def k8s_document(kind: str) -> dict[str, Any]:
    (document,) = [d for d in k8s_documents() if d["kind"] == kind]
    return document


def pod_of(name: str) -> dict[str, Any]:
    deployment = next(d for d in k8s_documents() if d["kind"] == "Deployment" and d["metadata"]["name"] == name)
    pod: dict[str, Any] = deployment["spec"]["template"]["spec"]
    return pod


def bot_pod() -> dict[str, Any]:
    return pod_of("cancel-downtime-bot")


def bot_container() -> dict[str, Any]:
    (container,) = bot_pod()["containers"]
    return dict(container)


def k8s_variables() -> dict[str, str]:
    """What the bot's container gets from the ConfigMap and the Secret."""
    return {**k8s_document("ConfigMap")["data"], **k8s_document("Secret")["stringData"]}
