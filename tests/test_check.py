"""`python -m bot check`: every check against the loopback fakes and a real Redis, passing and failing."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import check
from bot.config import Settings
from tests.fakes import FakeDatadog, FakeSlack, Reply
from tests.helpers import BOT_TOKEN, DD_API_KEY, DD_APP_KEY, SIGNING_SECRET, base_env, process_env


async def check_process(env: dict[str, str], cwd: Path, *, stderr: int) -> tuple[int | None, bytes, bytes]:
    """`python -m bot check` as a process: its exit code, stdout and stderr (b"" when sent to stdout)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "check", cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=stderr)
    out, err = await process.communicate()
    return process.returncode, out, err or b""


async def run_check(settings: Settings) -> tuple[int, str]:
    lines: list[str] = []
    code = await check.main(settings, write=lines.append)
    return code, "\n".join(lines)


async def test_everything_passes_against_healthy_services(
    make_settings: Callable[..., Settings], redis_url: str
) -> None:
    """Slack, scopes, the Datadog keys, every permission and Redis: all ok, exit 0, one line each."""
    code, text = await run_check(make_settings(REDIS_URL=redis_url))
    assert code == 0, text
    assert "workspace install in Acme (T0001), bot user UBOT" in text
    assert "commands, chat:write, users:read granted" in text
    assert text.count("[ok  ] Datadog application key:") == 3
    assert "Redis (REDIS_URL): ping, write, read: reachable" in text
    assert "[ok  ] Slack signing secret (SLACK_SIGNING_SECRET): 32 hexadecimal characters" in text
    assert "[ok  ] Datadog application key (/api/v2/validate_keys): accepted" in text
    assert "9 of 9 checks passed." in text
    for secret in (BOT_TOKEN, DD_API_KEY, DD_APP_KEY, SIGNING_SECRET):
        assert secret not in text


@pytest.mark.parametrize("code", ["invalid_auth", "token_revoked"])
async def test_a_refused_bot_token_is_named_with_slacks_code(
    make_settings: Callable[..., Settings], fake_slack: FakeSlack, code: str
) -> None:
    """auth.test refused: the line names SLACK_BOT_TOKEN and Slack's code, with the fix; exit 1."""
    fake_slack.auth_reply = Reply(200, {"ok": False, "error": code})
    exit_code, text = await run_check(make_settings())
    assert exit_code == 1
    assert f"[FAIL] Slack bot token (auth.test): Slack refused SLACK_BOT_TOKEN: {code}" in text
    assert "fix: copy the Bot User OAuth Token" in text


async def test_missing_scopes_are_named(make_settings: Callable[..., Settings], fake_slack: FakeSlack) -> None:
    """Without chat:write and users:read, and with a user-group option but no usergroups:read: all are named."""
    fake_slack.scopes = "commands"
    exit_code, text = await run_check(make_settings(ALLOWED_USERGROUP_IDS="S0123"))
    assert exit_code == 1
    assert "missing chat:write, users:read, usergroups:read (granted: commands)" in text


@pytest.mark.parametrize(("org_wide", "configured", "line"), [
    (False, "", "[ok  ] Slack bot token (auth.test): workspace install in Acme (T0001) of Grid organisation E0001"),
    (True, "", "[ok  ] Slack bot token (auth.test): org-wide install in Grid organisation Acme Org (E0001)"),
    (True, "E0001", "org-wide install in Grid organisation Acme Org (E0001)"),
    (True, "T0001", "[FAIL] SLACK_TEAM_ID: SLACK_TEAM_ID is T0001 but the bot token is for org-wide install in "
                    "Grid organisation E0001\n       fix: set SLACK_TEAM_ID=E0001"),
    (False, "E0001", "fix: set SLACK_TEAM_ID=T0001"),
], ids=["grid workspace", "org-wide", "org-wide, SLACK_TEAM_ID=E", "org-wide, SLACK_TEAM_ID=T", "workspace, =E"])
async def test_check_says_which_install_the_token_is(
    make_settings: Callable[..., Settings], fake_slack: FakeSlack, org_wide: bool, configured: str, line: str
) -> None:
    """The token's install kind (auth.test's is_enterprise_install); a SLACK_TEAM_ID that disagrees, with the fix."""
    fake_slack.enterprise_id, fake_slack.org_wide = "E0001", org_wide
    exit_code, text = await run_check(make_settings(SLACK_TEAM_ID=configured) if configured else make_settings())
    assert line in text, text
    assert exit_code == (1 if "fix: set SLACK_TEAM_ID" in line else 0)


async def test_an_application_key_without_a_permission_names_it(
    make_settings: Callable[..., Settings], fake_datadog: FakeDatadog
) -> None:
    """A 403 on the v2 list names DD_APP_KEY and monitors_downtime; the v1 reads still pass."""
    fake_datadog.always("GET", "/api/v2/downtime", Reply(403, {"errors": ["Forbidden"]}))
    exit_code, text = await run_check(make_settings())
    assert exit_code == 1
    assert "[FAIL] Datadog application key: GET /api/v2/downtime (list downtimes): HTTP 403: DD_APP_KEY lacks " \
        "the monitors_downtime permission" in text
    assert "[ok  ] Datadog application key: GET /api/v1/monitor (alerting check): allowed (monitors_read)" in text


async def test_a_refused_api_key_and_an_unreachable_datadog_are_told_apart(
    make_settings: Callable[..., Settings], fake_datadog: FakeDatadog
) -> None:
    """403 on validate names DD_API_KEY and DD_SITE; nothing listening is a connection failure, not a key."""
    fake_datadog.always("GET", "/api/v1/validate", Reply(403, {"errors": ["Forbidden"]}))
    _, refused = await run_check(make_settings())
    assert "Datadog refused DD_API_KEY (HTTP 403)" in refused
    assert "DD_SITE (datadoghq.com)" in refused
    exit_code, unreachable = await run_check(make_settings(DATADOG_HOST="http://127.0.0.1:9"))
    assert exit_code == 1
    assert "could not connect: ClientConnectorError" in unreachable
    assert "refused DD_API_KEY" not in unreachable


async def test_slack_unreachable_and_redis_unreachable_are_named(make_settings: Callable[..., Settings]) -> None:
    """A Slack that does not answer and a Redis that does not listen: each its own failing line."""
    exit_code, text = await run_check(make_settings(SLACK_API_URL="http://127.0.0.1:9/api/",
                                                    REDIS_URL="redis://127.0.0.1:9/0"))
    assert exit_code == 1
    assert "[FAIL] Slack bot token (auth.test): could not reach Slack at http://127.0.0.1:9/api/" in text
    assert "[FAIL] Redis (REDIS_URL): ping, write, read: ConnectionError" in text


async def test_socket_mode_checks_the_app_token(fake_slack: FakeSlack, fake_datadog: FakeDatadog) -> None:
    """With --socket-mode, apps.connections.open is tried; a refused app token is named with the code."""
    env = {**base_env(fake_slack.url + "/api/", fake_datadog.url), "SLACK_APP_TOKEN": "xapp-1-test"}
    settings = Settings.from_env(env, mode="socket")
    code, text = await run_check(settings)
    assert code == 0, text
    assert "[ok  ] Slack app-level token (apps.connections.open)" in text
    fake_slack.app_token_error = "invalid_auth"
    code, text = await run_check(settings)
    assert code == 1
    assert "Slack refused SLACK_APP_TOKEN: invalid_auth" in text
    assert "xapp-1-test" not in text


async def test_the_command_and_the_console_script_exit_with_the_checks_code(
    fake_slack: FakeSlack, fake_datadog: FakeDatadog, tmp_path: Path
) -> None:
    """`python -m bot check` and `cancel-downtime-bot check` print the lines and exit 0, or 1 on a failure."""
    env = process_env(base_env(fake_slack.url + "/api/", fake_datadog.url))
    script = Path(sys.executable).parent / "cancel-downtime-bot"
    for command in ([sys.executable, "-m", "bot", "check"], [str(script), "check"]):
        process = await asyncio.create_subprocess_exec(
            *command, cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await process.communicate()
        assert process.returncode == 0, out.decode()
        assert b"8 of 8 checks passed." in out
    fake_datadog.always("GET", "/api/v1/validate", Reply(403, {"errors": ["Forbidden"]}))
    code, out, _ = await check_process(env, tmp_path, stderr=asyncio.subprocess.STDOUT)
    assert code == 1
    assert DD_API_KEY.encode() not in out


async def test_an_invalid_application_key_is_named_as_invalid_not_as_a_missing_permission(
    make_settings: Callable[..., Settings], fake_datadog: FakeDatadog
) -> None:
    """Datadog accepts the API key and refuses the application key: one line saying the key is not valid (from
    validate_keys), and no "lacks the monitors_downtime permission" lines, which would send the operator to the
    key's scopes instead."""
    fake_datadog.keys = (DD_API_KEY, "another-application-key")
    exit_code, text = await run_check(make_settings())
    assert exit_code == 1
    assert "[ok  ] Datadog API key" in text
    assert "[FAIL] Datadog application key (/api/v2/validate_keys): Datadog refused DD_APP_KEY (HTTP 403): it is " \
        "not a valid application key of this organisation" in text
    assert "lacks the" not in text
    assert not fake_datadog.received(lambda r: r.path in ("/api/v2/downtime", "/api/v1/monitor"))


async def test_a_site_without_validate_keys_still_probes_the_permissions(
    make_settings: Callable[..., Settings], fake_datadog: FakeDatadog
) -> None:
    """A proxy or site answering 404 for validate_keys: a note (not a failure), then the permission reads."""
    fake_datadog.always("GET", "/api/v2/validate_keys", Reply(404, {"errors": ["Not found"]}))
    exit_code, text = await run_check(make_settings())
    assert exit_code == 0, text
    assert "[note] Datadog application key (/api/v2/validate_keys): not checked on its own" in text
    assert text.count("[ok  ] Datadog application key: GET") == 3


@pytest.mark.parametrize(("api_key", "app_key", "fix"), [
    ("a" * 40, "b" * 32, "fix: DD_API_KEY has 40 characters and DD_APP_KEY 32: they look swapped (an API key has "
                         "32, an application key 40): swap them"),
    ("a" * 40, "b" * 40, "(DD_API_KEY has 40 characters, as an application key does (an API key has 32))"),
    ("a" * 32, "b" * 40, "and check that DD_SITE (datadoghq.com) is the site the organisation lives on\n"),
], ids=["swapped", "two application keys", "right lengths, wrong key"])
async def test_a_refused_api_key_says_what_the_key_lengths_say(
    make_settings: Callable[..., Settings], api_key: str, app_key: str, fix: str
) -> None:
    """Swapped keys are told by their lengths (32 and 40), never by showing them."""
    exit_code, text = await run_check(make_settings(DD_API_KEY=api_key, DD_APP_KEY=app_key))
    assert exit_code == 1
    assert "[FAIL] Datadog API key" in text
    assert fix in text + "\n"
    assert api_key not in text
    assert app_key not in text


async def test_a_datadog_host_that_is_not_the_api_base_is_named(
    make_settings: Callable[..., Settings], fake_datadog: FakeDatadog
) -> None:
    """A 404 on validate (DATADOG_HOST naming a page, not the API's base): said, with the fix, not "try again"."""
    fake_datadog.always("GET", "/dashboards/api/v1/validate", Reply(404, text="<html>not found</html>"))
    exit_code, text = await run_check(make_settings(DATADOG_HOST=fake_datadog.url + "/dashboards"))
    assert exit_code == 1
    assert f"[FAIL] Datadog API key ({fake_datadog.url}/dashboards/api/v1/validate): no Datadog API at " \
        f"{fake_datadog.url}/dashboards (HTTP 404)\n       fix: set DATADOG_HOST to the API's base URL" in text
    assert "try again" not in text


async def test_a_slack_api_url_that_is_not_the_web_api_is_named(
    make_settings: Callable[..., Settings], fake_slack: FakeSlack
) -> None:
    """auth.test answered 404 without Slack's JSON: the URL is blamed, with Slack's base, not the network."""
    exit_code, text = await run_check(make_settings(SLACK_API_URL=fake_slack.url + "/slack/"))
    assert exit_code == 1
    assert f"[FAIL] Slack bot token (auth.test): {fake_slack.url}/slack/ is not Slack's Web API" in text
    assert "fix: set SLACK_API_URL to the Web API's base, which ends in /api/ (https://slack.com/api/" in text
    assert "check the network" not in text


@pytest.mark.parametrize(("secret", "detail"), [
    ("0123456789abcdef", "(Slack's are 32 hexadecimal characters; it has 16 characters)"),
    ("xoxb-1-pasted-a-token-here", "(Slack's are 32 hexadecimal characters; it looks like a bot token (xoxb-))"),
], ids=["too short", "a token"])
async def test_http_mode_checks_the_signing_secrets_shape(
    make_settings: Callable[..., Settings], secret: str, detail: str
) -> None:
    """The secret cannot be tried before Slack signs a request; a value of the wrong shape is still a failure,
    described without being shown."""
    exit_code, text = await run_check(make_settings(SLACK_SIGNING_SECRET=secret))
    assert exit_code == 1
    assert f"[FAIL] Slack signing secret (SLACK_SIGNING_SECRET): not the shape of a signing secret {detail}" in text
    assert "fix: copy the Signing Secret from Slack app > Basic Information > App Credentials" in text
    assert secret not in text


async def test_socket_mode_says_nothing_of_the_signing_secret_and_redis_unset_is_a_note(
    fake_slack: FakeSlack, fake_datadog: FakeDatadog
) -> None:
    """Socket Mode needs no signing secret: no line for it. REDIS_URL unset: a note saying one replica only,
    not counted among the checks."""
    env = {**base_env(fake_slack.url + "/api/", fake_datadog.url), "SLACK_APP_TOKEN": "xapp-1-test"}
    code, text = await run_check(Settings.from_env(env, mode="socket"))
    assert code == 0, text
    assert "signing secret" not in text.lower()
    assert "[note] Redis (REDIS_URL): not set: pending prompts, undos and the journal live in this process's " \
        "memory, so run one replica only (several need REDIS_URL)" in text
    assert text.endswith("8 of 8 checks passed.")


async def test_check_prints_its_own_lines_only(fake_datadog: FakeDatadog, tmp_path: Path) -> None:
    """Slack unreachable (the SDK logs a retry) and Datadog refusing: stdout holds only check lines, stderr
    nothing, so no library log line is mixed into the answer."""
    env = process_env(base_env("http://127.0.0.1:9/api/", fake_datadog.url))
    fake_datadog.always("GET", "/api/v1/validate", Reply(403, {"errors": ["Forbidden"]}))
    code, out, err = await check_process(env, tmp_path, stderr=asyncio.subprocess.PIPE)
    assert code == 1
    assert err == b""
    lines = out.decode().splitlines()
    assert lines
    assert all(re.match(r"\[(ok  |FAIL|note)\] |       fix: |\d+ of \d+ checks passed\.", line) for line in lines), \
        lines
    assert "[FAIL] Slack bot token (auth.test): could not reach Slack" in out.decode()
