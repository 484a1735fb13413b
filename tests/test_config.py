"""Settings from the environment: defaults, sites, and every problem named at once without secrets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import Mode, Settings
from bot.environment import DATADOG_SITES
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


def problems_of(mode: Mode = "http", /, **changes: str) -> list[str]:
    """The problems a ConfigError names for base_env() with these changes (an empty value removes the variable)."""
    env = {k: v for k, v in {**base_env(), **changes}.items() if v}
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env, mode=mode)
    text = str(caught.value)
    for value in changes.values():
        if len(value) > 12 and value.startswith(("xox", "xapp", '"', "'")):
            assert value.strip("'\"") not in text, "a token-like value was echoed"
    return caught.value.problems


@pytest.mark.parametrize(("variable", "value", "said"), [
    ("SLACK_BOT_TOKEN", "xoxp-1-user-token-secret", "looks like a user token (xoxp-)"),
    ("SLACK_BOT_TOKEN", "xapp-1-app-level-secret", "looks like an app-level token (xapp-), which goes in "
                                                   "SLACK_APP_TOKEN"),
    ("SLACK_BOT_TOKEN", "xoxe.xoxp-1-rotating-secret", "looks like a rotating token (xoxe.)"),
    ("SLACK_BOT_TOKEN", "0123456789abcdef-not-a-token", "(the value given does not)"),
], ids=["user token", "app-level token", "rotating token", "no known prefix"])
def test_a_token_in_the_wrong_variable_is_named_by_its_kind(variable: str, value: str, said: str) -> None:
    """What the wrong token looks like, from its prefix only; the value itself is never shown."""
    (problem,) = problems_of(**{variable: value})
    assert problem.startswith(f"{variable} must start with 'xoxb-'")
    assert said in problem


def test_a_bot_token_in_the_app_token_variable_is_named() -> None:
    """In Socket Mode, a bot token pasted into SLACK_APP_TOKEN: said to belong in SLACK_BOT_TOKEN."""
    (problem,) = problems_of("socket", SLACK_APP_TOKEN="xoxb-1-bot-token-secret")
    assert problem == ("SLACK_APP_TOKEN must start with 'xapp-' (the value given looks like a bot token (xoxb-), "
                       "which goes in SLACK_BOT_TOKEN).")


@pytest.mark.parametrize("quote", ['"', "'"])
def test_a_quoted_value_is_named_without_echoing_it(quote: str) -> None:
    """`docker --env-file` keeps quotes: each quoted variable is named once, the value never shown, and the
    quotes do not cause a second, misleading problem (the token's prefix is read inside them)."""
    problems = problems_of(SLACK_BOT_TOKEN=f"{quote}xoxb-1-quoted-secret{quote}", DD_SITE=f"{quote}datadoghq.eu{quote}")
    assert problems == [
        f"SLACK_BOT_TOKEN starts with a quote ({quote}): docker --env-file and kubectl --from-env-file keep quotes "
        "as part of the value; write SLACK_BOT_TOKEN=value without them.",
        f"DD_SITE starts with a quote ({quote}): docker --env-file and kubectl --from-env-file keep quotes as part of "
        "the value; write DD_SITE=value without them.",
    ]


@pytest.mark.parametrize(("name", "site"), [
    ("US1", "datadoghq.com"), ("us3", "us3.datadoghq.com"), ("US5", "us5.datadoghq.com"), ("EU1", "datadoghq.eu"),
    ("EU", "datadoghq.eu"), ("AP1", "ap1.datadoghq.com"), ("AP2", "ap2.datadoghq.com"), ("UK1", "uk1.datadoghq.com"),
    ("US1-FED", "ddog-gov.com"), ("US2-FED", "us2.ddog-gov.com"),
])
def test_datadogs_own_site_names_are_read_as_their_site(name: str, site: str) -> None:
    """DD_SITE=EU1 (Datadog's name on its sites page) is datadoghq.eu, with its API and UI."""
    env = base_env() | {"DD_SITE": name}
    del env["DATADOG_HOST"]
    settings = Settings.from_env(env)
    assert (settings.dd_site, settings.datadog_api_url) == (site, f"https://api.{site}")
    assert settings.datadog_ui_url == DATADOG_SITES[site]


@pytest.mark.parametrize(("value", "said"), [
    ("https://app.datadoghq.eu", "DD_SITE is the site parameter, not a host or URL: set DD_SITE=datadoghq.eu."),
    ("api.us5.datadoghq.com", "DD_SITE is the site parameter, not a host or URL: set DD_SITE=us5.datadoghq.com."),
    ("https://datadoghq.com/", "DD_SITE is the site parameter, not a URL: set DD_SITE=datadoghq.com."),
    ("datadoghq.us", "Did you mean datadoghq.eu?"),
    ("us-1", "Did you mean datadoghq.com?"),
    ("nowhere.example", "got 'nowhere.example'."),
], ids=["UI URL", "API host", "site as URL", "near miss", "near a name", "unknown"])
def test_a_wrong_site_gets_the_exact_value_to_set(value: str, said: str) -> None:
    (problem,) = problems_of(DD_SITE=value)
    assert problem.endswith(said)


@pytest.mark.parametrize(("value", "fix"), [
    ("https://api.datadoghq.eu/api/v1", "set DATADOG_HOST=https://api.datadoghq.eu."),
    ("https://api.datadoghq.eu/api/v2/", "set DATADOG_HOST=https://api.datadoghq.eu."),
    ("https://proxy.internal:8443/datadog/api", "set DATADOG_HOST=https://proxy.internal:8443/datadog."),
])
def test_a_datadog_host_with_the_api_path_names_the_base_url(value: str, fix: str) -> None:
    """DATADOG_HOST ending in /api/v1 made every path /api/v1/api/v1/…, reported as "try again"."""
    (problem,) = problems_of(DATADOG_HOST=value)
    assert problem.startswith("DATADOG_HOST is the API's base URL, without /api/v1 or /api/v2")
    assert problem.endswith(fix)


@pytest.mark.parametrize("value", ["https://slack.com", "https://slack.com/", "https://slack-gov.com"])
def test_a_slack_api_url_without_its_path_names_the_api_base(value: str) -> None:
    """SLACK_API_URL=https://slack.com sent auth.test to https://slack.com/auth.test, blamed on the network."""
    (problem,) = problems_of(SLACK_API_URL=value)
    assert problem.startswith(f"SLACK_API_URL must be the Web API's base, which ends in /api/: set SLACK_API_URL="
                              f"{value.rstrip('/')}/api/")


def test_each_mode_missing_its_secret_points_at_the_other_mode_when_that_ones_is_set() -> None:
    """HTTP mode without a signing secret but with an app token suggests --socket-mode; the reverse too."""
    (http,) = problems_of(SLACK_SIGNING_SECRET="", SLACK_APP_TOKEN="xapp-1-test")
    assert http.startswith("SLACK_SIGNING_SECRET is missing")
    assert http.endswith("SLACK_APP_TOKEN is set: to run in Socket Mode instead, add --socket-mode.")
    (socket,) = problems_of("socket")
    assert socket.endswith("SLACK_SIGNING_SECRET is set: to run in HTTP mode instead, leave out --socket-mode.")
    (plain,) = problems_of(SLACK_SIGNING_SECRET="")
    assert "--socket-mode" not in plain
