"""Settings from the environment, with every problem reported at once and no secret echoed."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal
from urllib.parse import urlsplit

from bot.domain import notify
from bot.domain.policy import Policy
from bot.environment import DATADOG_SITES, Unquoted, is_http_url, looks_like, origin, read_site
from bot.errors import ConfigError

Mode = Literal["http", "socket"]

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class Settings:
    """Everything the bot reads from its environment, validated."""

    mode: Mode
    slack_bot_token: str = field(repr=False)
    slack_signing_secret: str = field(repr=False)
    slack_app_token: str = field(repr=False)
    slack_api_url: str
    dd_api_key: str = field(repr=False)
    dd_app_key: str = field(repr=False)
    dd_site: str
    datadog_api_url: str
    datadog_ui_url: str
    host: str
    port: int
    datadog_timeout: float
    datadog_attempts: int
    datadog_backoff: float
    datadog_max_rate_limit_wait: float
    action_time_limit: float
    confirm_ttl: float
    shutdown_grace: float
    log_level: str
    redis_url: str = field(default="", repr=False)  # may hold a password
    slack_team_id: str = ""
    slack_app_id: str = ""
    policy: Policy = field(default_factory=Policy)
    undo_ttl: float = 900.0  # seconds the report's Undo button works; 0: no Undo button
    port_given: bool = False  # PORT was set: in Socket Mode, /healthz is served on it
    require_reason: bool = False
    notify_on_cancel: tuple[str, ...] = ()  # NOTIFY_ON_CANCEL: the states "cancel and notify" is the default for
    datadog_events: bool = True  # DATADOG_EVENTS: post a Datadog event for every confirmed action
    recovery_seconds: float = 30.0  # with Redis: how soon another replica reports a cancel whose process died
    redis_timeout: float = 5.0
    report_channel_id: str = ""  # REPORT_CHANNEL_ID: where reports of actions started on the Home tab go ("": DM)
    audit_channel_id: str = ""  # AUDIT_CHANNEL_ID: every cancel, restore and end-later is copied there
    home_cache_seconds: float = 10.0  # HOME_CACHE_SECONDS: how long the Home tab may reuse a listing

    def secrets(self) -> tuple[str, ...]:
        """Every secret value this process holds, for log redaction."""
        values = (
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.dd_api_key,
            self.dd_app_key,
        )
        return tuple(v for v in values if v)

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, mode: Mode = "http") -> Settings:
        """Read and check every variable; raise one ConfigError naming all that are wrong."""
        problems: list[str] = []
        env = Unquoted(env, problems)

        def text(name: str, *, required: bool, prefix: str = "", where: str = "", instead: str = "") -> str:
            value = env.get(name, "").strip()
            if not value:
                if required:
                    problems.append(f"{name} is missing{': ' + where if where else ''}.{instead}")
                return ""
            if prefix and not value.startswith(prefix):
                # Never print the value: it may be a real secret pasted into the wrong variable.
                problems.append(f"{name} must start with '{prefix}' ({looks_like(value)}).")
            return value

        def number(name: str, default: float, *, low: float, high: float) -> float:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError:
                problems.append(f"{name} must be a number, got {raw[:20]!r}.")
                return default
            if not low <= value <= high:
                problems.append(f"{name} must be between {low:g} and {high:g}, got {raw[:20]!r}.")
            return value

        bot_token = text(
            "SLACK_BOT_TOKEN", required=True, prefix="xoxb-",
            where="Slack app > OAuth & Permissions > Bot User OAuth Token",
        )
        signing_secret = text(
            "SLACK_SIGNING_SECRET", required=mode == "http",
            where="Slack app > Basic Information > Signing Secret (needed in HTTP mode)",
            instead=" SLACK_APP_TOKEN is set: to run in Socket Mode instead, add --socket-mode."
            if env.get("SLACK_APP_TOKEN", "").strip() else "",
        )
        app_token = text(
            "SLACK_APP_TOKEN", required=mode == "socket", prefix="xapp-",
            where="Slack app > Basic Information > App-Level Tokens, scope connections:write "
            "(needed with --socket-mode)",
            instead=" SLACK_SIGNING_SECRET is set: to run in HTTP mode instead, leave out --socket-mode."
            if env.get("SLACK_SIGNING_SECRET", "").strip() else "",
        )
        api_key = text("DD_API_KEY", required=True, where="Datadog > Organization Settings > API Keys")
        app_key = text(
            "DD_APP_KEY", required=True,
            where="Datadog > Organization Settings > Application Keys (scopes monitors_downtime, monitors_read)",
        )

        slack_api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_SLACK_API_URL
        if not is_http_url(slack_api_url):
            problems.append(f"SLACK_API_URL must be an http(s) URL, got {slack_api_url[:60]!r}.")
        elif urlsplit(slack_api_url).path.strip("/") == "":
            problems.append(f"SLACK_API_URL must be the Web API's base, which ends in /api/: set SLACK_API_URL="
                            f"{origin(slack_api_url)}/api/ (Slack's is {DEFAULT_SLACK_API_URL}, GovSlack's "
                            "https://slack-gov.com/api/).")
        elif not slack_api_url.endswith("/"):
            slack_api_url += "/"

        site = read_site(env.get("DD_SITE", ""), problems)
        datadog_host = env.get("DATADOG_HOST", "").strip()
        if datadog_host and not is_http_url(datadog_host):
            problems.append(f"DATADOG_HOST must be an http(s) URL, got {datadog_host[:60]!r}.")
        elif re.search(r"/api(?:/v[12])?/*$", urlsplit(datadog_host).path):
            base = re.sub(r"/api(?:/v[12])?/*$", "", urlsplit(datadog_host).path)
            problems.append("DATADOG_HOST is the API's base URL, without /api/v1 or /api/v2 (the bot adds them): set "
                            f"DATADOG_HOST={origin(datadog_host)}{base}.")
        api_url = (datadog_host or f"https://api.{site}").rstrip("/")

        port = 3000
        raw_port = env.get("PORT", "").strip()
        if raw_port:
            if raw_port.isdigit() and 0 <= int(raw_port) <= 65535:
                port = int(raw_port)
            else:
                problems.append(f"PORT must be a TCP port number (0-65535), got {raw_port[:20]!r}.")

        log_level = env.get("LOG_LEVEL", "").strip().upper() or "INFO"
        if log_level not in LOG_LEVELS:
            problems.append(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {log_level[:20]!r}.")

        settings = cls(
            mode=mode,
            slack_bot_token=bot_token,
            slack_signing_secret=signing_secret,
            slack_app_token=app_token,
            slack_api_url=slack_api_url,
            dd_api_key=api_key,
            dd_app_key=app_key,
            dd_site=site,
            datadog_api_url=api_url,
            datadog_ui_url=DATADOG_SITES.get(site, DATADOG_SITES["datadoghq.com"]),
            host=env.get("HOST", "").strip() or "0.0.0.0",  # noqa: S104 - a server behind Slack must listen
            port=port,
            datadog_timeout=number("DD_TIMEOUT_SECONDS", 10.0, low=0.1, high=120),
            datadog_attempts=int(number("DD_MAX_ATTEMPTS", 3, low=1, high=10)),
            datadog_backoff=number("DD_RETRY_BACKOFF_SECONDS", 0.5, low=0, high=30),
            datadog_max_rate_limit_wait=number("DD_MAX_RATE_LIMIT_WAIT_SECONDS", 10.0, low=0, high=120),
            action_time_limit=number("ACTION_TIME_LIMIT_SECONDS", 30.0, low=1, high=600),
            confirm_ttl=number("CONFIRM_TTL_SECONDS", 600.0, low=1, high=1800),
            shutdown_grace=number("SHUTDOWN_GRACE_SECONDS", 25.0, low=0, high=600),
            log_level=log_level,
        )
        redis_url = env.get("REDIS_URL", "").strip()
        if redis_url and urlsplit(redis_url).scheme not in ("redis", "rediss", "unix"):
            problems.append("REDIS_URL must be a redis://, rediss:// or unix:// URL.")
        team_id = env.get("SLACK_TEAM_ID", "").strip()
        if team_id and not re.fullmatch(r"[TE][A-Z0-9]{2,20}", team_id):
            problems.append("SLACK_TEAM_ID must be a workspace ID (T0123ABCD) or, for an org-wide install, the "
                            f"Grid organisation's ID (E0123ABCD); got {team_id[:24]!r}.")
        app_id = env.get("SLACK_APP_ID", "").strip()
        if app_id and not re.fullmatch(r"A[A-Z0-9]{2,20}", app_id):
            problems.append(f"SLACK_APP_ID must look like A0123ABCD, got {app_id[:24]!r}.")
        policy = _policy(env, problems)
        undo_ttl = number("UNDO_TTL_SECONDS", 900.0, low=0, high=1800)
        recovery = number("RECOVERY_SECONDS", 30.0, low=1, high=600)
        redis_timeout = number("REDIS_TIMEOUT_SECONDS", 5.0, low=0.05, high=60)
        require_reason = _flag(env, "REQUIRE_REASON", problems)
        notify_on_cancel = notify.parse_states(env.get("NOTIFY_ON_CANCEL", ""))
        if notify_on_cancel is None:
            problems.append('NOTIFY_ON_CANCEL must be "off", "all", or Datadog\'s states to notify for, separated '
                            'by commas, among alert, warn and no data (e.g. "alert,warn").')
        events = _flag(env, "DATADOG_EVENTS", problems, default=True)
        channels = {"REPORT_CHANNEL_ID": env.get("REPORT_CHANNEL_ID", "").strip(),
                    "AUDIT_CHANNEL_ID": env.get("AUDIT_CHANNEL_ID", "").strip()}
        for name, channel in channels.items():
            if channel and not re.fullmatch(r"[CG][A-Z0-9]{2,20}", channel):
                problems.append(f"{name} must be a channel ID (C0123ABCD, from the channel's details), got "
                                f"{channel[:24]!r}.")
        home_cache = number("HOME_CACHE_SECONDS", 10.0, low=0, high=300)
        if problems:
            raise ConfigError(problems)
        return replace(
            settings, redis_url=redis_url, slack_team_id=team_id, slack_app_id=app_id, policy=policy,
            undo_ttl=undo_ttl, require_reason=require_reason, port_given=bool(raw_port),
            recovery_seconds=recovery, redis_timeout=redis_timeout, notify_on_cancel=notify_on_cancel or (),
            datadog_events=events, report_channel_id=channels["REPORT_CHANNEL_ID"],
            audit_channel_id=channels["AUDIT_CHANNEL_ID"], home_cache_seconds=home_cache,
        )

    @property
    def logging_level(self) -> int:
        """The numeric level for the logging module."""
        return int(getattr(logging, self.log_level))


def _policy(env: Mapping[str, str], problems: list[str]) -> Policy:
    """Read the access policy (all optional), adding a problem for each malformed entry."""

    def ids(name: str, prefixes: str) -> frozenset[str]:
        values = [v.strip() for v in env.get(name, "").split(",") if v.strip()]
        bad = [v for v in values if not re.fullmatch(f"[{prefixes}][A-Z0-9]{{2,20}}", v)]
        if bad:
            problems.append(f"{name} holds IDs that are not Slack IDs starting with {'/'.join(prefixes)}: "
                            f"{', '.join(repr(b[:24]) for b in bad[:3])}.")
        return frozenset(values)

    patterns = tuple(p.strip().lower() for p in env.get("PROTECTED_SCOPES", "").split(",") if p.strip())
    bad_patterns = [p for p in patterns if not re.fullmatch(r"[^\s:,]+:[^\s,]+", p)]
    if bad_patterns:
        problems.append(f"PROTECTED_SCOPES entries must be key:value tags or patterns (* allowed): "
                        f"{', '.join(repr(p[:40]) for p in bad_patterns[:3])}.")
    policy = Policy(
        channels=ids("ALLOWED_CHANNEL_IDS", "CGD"),
        users=ids("ALLOWED_USER_IDS", "UW"),
        groups=ids("ALLOWED_USERGROUP_IDS", "S"),
        protected=patterns,
        protected_users=ids("PROTECTED_SCOPE_USER_IDS", "UW"),
        protected_groups=ids("PROTECTED_SCOPE_USERGROUP_IDS", "S"),
        guests=_flag(env, "ALLOW_GUESTS", problems),
    )
    if policy.protected and not (policy.protected_users or policy.protected_groups):
        problems.append("PROTECTED_SCOPES needs PROTECTED_SCOPE_USER_IDS or PROTECTED_SCOPE_USERGROUP_IDS "
                        "(who may cancel protected scopes).")
    return policy


def _flag(env: Mapping[str, str], name: str, problems: list[str], *, default: bool = False) -> bool:
    """A true/false variable (unset is `default`), adding a problem when it is neither."""
    value = env.get(name, "").strip().lower()
    if value not in ("", "true", "false", "1", "0", "yes", "no"):
        problems.append(f"{name} must be true or false, got {value[:20]!r}.")
    return default if value == "" else value in ("true", "1", "yes")
