"""`python -m bot check`: every check against the loopback fakes and a real Redis, passing and failing."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot import check
from bot.config import Settings
from tests.fakes import FakeDatadog, FakeSlack, Reply
from tests.helpers import BOT_TOKEN, DD_API_KEY, DD_APP_KEY, SIGNING_SECRET, base_env, process_env


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
    assert "7 of 7 checks passed." in text
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
        assert b"6 of 6 checks passed." in out
    fake_datadog.always("GET", "/api/v1/validate", Reply(403, {"errors": ["Forbidden"]}))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "check", cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)
    out, _ = await process.communicate()
    assert process.returncode == 1
    assert DD_API_KEY.encode() not in out
