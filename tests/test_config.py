"""Settings from the environment: defaults, sites, and every problem named at once without secrets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import DATADOG_SITES, Settings
from bot.errors import ConfigError
from tests.helpers import base_env


def test_defaults() -> None:
    """Only the required variables: Slack's public API, datadoghq.com, port 3000, 10 s, 10 minutes."""
    env = {k: v for k, v in base_env().items() if k.startswith(("SLACK_BOT", "SLACK_SIGNING", "DD_API", "DD_APP"))}
    settings = Settings.from_env(env)
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.datadog_api_url == "https://api.datadoghq.com"
    assert settings.datadog_ui_url == "https://app.datadoghq.com"
    assert (settings.port, settings.datadog_timeout, settings.confirm_ttl) == (3000, 10.0, 600.0)
    assert settings.host == "0.0.0.0"  # noqa: S104 - asserting the documented default


@pytest.mark.parametrize(("site", "ui"), list(DATADOG_SITES.items()))
def test_every_site_has_its_api_and_ui(site: str, ui: str) -> None:
    """Each of the nine sites gives https://api.<site> and its own UI base."""
    env = base_env()
    del env["DATADOG_HOST"]
    settings = Settings.from_env({**env, "DD_SITE": site.upper()})
    assert settings.datadog_api_url == f"https://api.{site}"
    assert settings.datadog_ui_url == ui


def test_datadog_host_overrides_the_api_but_not_the_links() -> None:
    """DATADOG_HOST (a proxy) replaces the API base; links still go to the site's UI."""
    env = {**base_env(), "DATADOG_HOST": "https://dd-proxy.internal:8443/", "DD_SITE": "datadoghq.eu"}
    settings = Settings.from_env(env)
    assert settings.datadog_api_url == "https://dd-proxy.internal:8443"
    assert settings.datadog_ui_url == "https://app.datadoghq.eu"


def test_slack_api_url_gets_a_trailing_slash() -> None:
    """GovSlack's or a test's API URL works with or without the trailing slash."""
    settings = Settings.from_env({**base_env(), "SLACK_API_URL": "https://slack-gov.com/api"})
    assert settings.slack_api_url == "https://slack-gov.com/api/"


def test_every_problem_is_reported_at_once_without_secrets() -> None:
    """One ConfigError lists each missing or invalid variable, and never echoes a secret value."""
    env = {
        "SLACK_BOT_TOKEN": "xoxp-a-user-token-secret",
        "DD_SITE": "datadoghq.example",
        "DATADOG_HOST": "ftp://x",
        "PORT": "70000",
        "DD_TIMEOUT_SECONDS": "soon",
        "CONFIRM_TTL_SECONDS": "3600",
        "LOG_LEVEL": "loud",
        "SLACK_API_URL": "slack.com",
    }
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    message = str(caught.value)
    for name in ("SLACK_BOT_TOKEN must start with 'xoxb-'", "SLACK_SIGNING_SECRET is missing", "DD_API_KEY is missing",
                 "DD_APP_KEY is missing", "DD_SITE", "DATADOG_HOST", "PORT", "DD_TIMEOUT_SECONDS",
                 "CONFIRM_TTL_SECONDS", "LOG_LEVEL", "SLACK_API_URL"):
        assert name in message
    assert len(caught.value.problems) == 11
    assert "xoxp-a-user-token-secret" not in message


def test_socket_mode_needs_the_app_token_not_the_signing_secret() -> None:
    """In Socket Mode SLACK_APP_TOKEN is required and SLACK_SIGNING_SECRET is not."""
    env = base_env()
    del env["SLACK_SIGNING_SECRET"]
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env, mode="socket")
    assert caught.value.problems == [caught.value.problems[0]]
    assert "SLACK_APP_TOKEN is missing" in caught.value.problems[0]
    settings = Settings.from_env({**env, "SLACK_APP_TOKEN": "xapp-1-test"}, mode="socket")
    assert settings.slack_app_token == "xapp-1-test"


def test_repr_shows_no_secret() -> None:
    """Printing the settings never shows a token or key."""
    settings = Settings.from_env(base_env())
    text = repr(settings)
    for secret in settings.secrets():
        assert secret not in text
    assert len(settings.secrets()) == 4


def test_every_variable_is_documented() -> None:
    """Each variable the configuration reads is listed in .env.example and in the README."""
    root = Path(__file__).resolve().parents[1]
    source = (root / "bot" / "config.py").read_text()
    names = set(re.findall(r'(?:env\.get|text|number|ids)\(\s*"([A-Z][A-Z0-9_]+)"', source))
    assert len(names) >= 25
    example = (root / ".env.example").read_text()
    readme = (root / "README.md").read_text()
    for name in sorted(names):
        assert re.search(rf"^{name}=", example, re.M), f"{name} missing from .env.example"
        assert f"`{name}`" in readme, f"{name} missing from the README"
