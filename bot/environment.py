"""Reading raw environment values, and saying what a wrong one looks like without echoing it: quotes kept by
`docker --env-file`, a token in the wrong variable, Datadog's site names, URLs."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from urllib.parse import urlsplit

# Datadog's sites and the UI each one is served from (DESIGN.md, "Facts to build on").
DATADOG_SITES: dict[str, str] = {
    "datadoghq.com": "https://app.datadoghq.com",
    "us3.datadoghq.com": "https://us3.datadoghq.com",
    "us5.datadoghq.com": "https://us5.datadoghq.com",
    "datadoghq.eu": "https://app.datadoghq.eu",
    "ap1.datadoghq.com": "https://ap1.datadoghq.com",
    "ap2.datadoghq.com": "https://ap2.datadoghq.com",
    "uk1.datadoghq.com": "https://uk1.datadoghq.com",
    "ddog-gov.com": "https://app.ddog-gov.com",
    "us2.ddog-gov.com": "https://us2.ddog-gov.com",
}

# Datadog's own names for its sites ("Getting Started with Datadog Sites"), read as the site they name.
SITE_NAMES: dict[str, str] = {
    "us1": "datadoghq.com", "us3": "us3.datadoghq.com", "us5": "us5.datadoghq.com", "eu1": "datadoghq.eu",
    "eu": "datadoghq.eu", "ap1": "ap1.datadoghq.com", "ap2": "ap2.datadoghq.com", "uk1": "uk1.datadoghq.com",
    "us1-fed": "ddog-gov.com", "gov": "ddog-gov.com", "us2-fed": "us2.ddog-gov.com",
}
# What each kind of Slack token starts with, to say what a value in the wrong variable looks like.
TOKEN_KINDS = {"xoxb-": "a bot token", "xoxp-": "a user token", "xapp-": "an app-level token",
               "xoxe-": "a token-rotation refresh token", "xoxe.": "a rotating token"}


class Unquoted(Mapping[str, str]):
    """The environment, each value read once checked for quotes: `docker --env-file` and `kubectl create secret
    --from-env-file` pass `NAME="value"` with the quotes as part of the value (python-dotenv, reading `.env`,
    takes them off)."""

    def __init__(self, env: Mapping[str, str], problems: list[str]) -> None:
        self._env, self._problems = env, problems
        self._told: set[str] = set()

    def __getitem__(self, name: str) -> str:
        value = self._env[name]
        stripped = value.strip()
        if stripped[:1] in ("'", '"') and name not in self._told:
            self._told.add(name)
            self._problems.append(f"{name} starts with a quote ({stripped[0]}): docker --env-file and kubectl "
                                  f"--from-env-file keep quotes as part of the value; write {name}=value without them.")
        return stripped.strip("'\"") if stripped[:1] in ("'", '"') else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._env)

    def __len__(self) -> int:
        return len(self._env)


def token_kind(value: str) -> str:
    """What kind of Slack token `value` is, from its prefix alone ("a user token (xoxp-)"); "" if none."""
    return next((f"{kind} ({prefix})" for prefix, kind in TOKEN_KINDS.items() if value.startswith(prefix)), "")


def looks_like(value: str) -> str:
    """What a token in the wrong variable looks like, from its prefix alone (the value is never shown)."""
    kind = token_kind(value)
    if not kind:
        return "the value given does not"
    home = {"xoxb-": "SLACK_BOT_TOKEN", "xapp-": "SLACK_APP_TOKEN"}.get(value[:5])
    return f"the value given looks like {kind}" + (f", which goes in {home}" if home else "")


def read_site(raw: str, problems: list[str]) -> str:
    """DD_SITE as a site parameter: Datadog's own names (US1, EU1…) read as the site they name; a URL or host
    of a site, or a near miss, gets the exact value to set."""
    value = raw.strip().lower() or "datadoghq.com"
    if value in DATADOG_SITES:
        return value
    if value in SITE_NAMES:
        return SITE_NAMES[value]
    host = urlsplit(value).hostname if "//" in value else value.split("/")[0]
    for prefix in ("app.", "api."):
        bare = (host or "").removeprefix(prefix)
        if bare != host and bare in DATADOG_SITES:
            problems.append(f"DD_SITE is the site parameter, not a host or URL: set DD_SITE={bare}.")
            return bare
    if host in DATADOG_SITES:
        problems.append(f"DD_SITE is the site parameter, not a URL: set DD_SITE={host}.")
        return str(host)
    close = difflib.get_close_matches(value, [*DATADOG_SITES, *SITE_NAMES], n=1, cutoff=0.75)
    suggestion = f" Did you mean {SITE_NAMES.get(close[0], close[0])}?" if close else ""
    problems.append(f"DD_SITE must be one of {', '.join(DATADOG_SITES)}, or Datadog's name for one (US1, US3, US5, "
                    f"EU1, AP1, AP2, UK1, US1-FED, US2-FED); got {value[:60]!r}.{suggestion}")
    return value


def origin(url: str) -> str:
    """scheme://host[:port] of a URL, without any user or password."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


def is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
