"""What `/cancel-downtime` can be given besides a scope: a monitor, a Datadog link, a downtime ID. Pure.

- `monitor 1234` (or several: `monitor 1234 5678`), or a pasted monitor link
  (`https://app.datadoghq.com/monitors/1234`, on any Datadog site): every downtime silencing it.
- A downtime ID (a v1 integer or a v2 UUID, several separated by spaces or commas), or a pasted
  downtime link (`…/monitors/downtimes?id=…`): that downtime.
A scope's tags always have a key and a colon, so none of these can be mistaken for a scope.

Such a `Target` is cancelled one downtime at a time, by ID, never through `cancel/by_scope`: that
call ends every downtime on a scope, including ones the prompt did not show. A link names the Datadog
site it came from; whether that is the site the bot is connected to is decided where the
configuration is known (`site_of`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

MAX_IDS = 10  # one prompt; more than this is a scope's job
# Datadog's sites (DESIGN.md); a UI host is the site, `app.` + site, or an organisation's own subdomain.
SITES = ("datadoghq.com", "us3.datadoghq.com", "us5.datadoghq.com", "datadoghq.eu", "ap1.datadoghq.com",
         "ap2.datadoghq.com", "uk1.datadoghq.com", "ddog-gov.com", "us2.ddog-gov.com")

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_V1_ID = re.compile(r"[1-9][0-9]{0,18}")
_URL = re.compile(r"https?://[^\s<>|\"'`]+")
_SLACK_LINK = re.compile(r"<(https?://[^|>\s]+)(?:\|[^>]*)?>")
_MONITOR_PATH = re.compile(r"^/monitors/([1-9][0-9]{0,18})(?:/|$)")


class SelectionError(ValueError):
    """The text names a monitor or a downtime, but not one the bot can look up; `reason` says why, `hint` how."""

    def __init__(self, reason: str, hint: str) -> None:
        self.reason = reason
        self.hint = hint
        super().__init__(f"{reason} {hint}")


@dataclass(frozen=True)
class Target:
    """Downtimes chosen by monitor or by ID, not by scope; each is cancelled by its ID.

    `ids`: monitor IDs (digits) or downtime IDs (v1 digits, v2 UUIDs), as asked. `site`: the Datadog site
    of the link they came from ("" when typed). `names`: the monitors' names, once read. `tags`: every tag
    of the downtimes the preview found, which the access policy's protected scopes are checked against.
    """

    kind: Literal["monitor", "downtime"]
    ids: tuple[str, ...]
    site: str = ""
    names: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    by_scope = False  # never cancel/by_scope

    @property
    def canonical(self) -> str:
        """The words that ask for it again: `monitor 1234`, or the downtime IDs."""
        return ("monitor " if self.kind == "monitor" else "") + " ".join(self.ids)

    @property
    def where(self) -> str:
        """How messages name what was chosen: "silencing monitor `1234`", "with ID `1234`"."""
        listed = ", ".join(f"`{i}`" for i in self.ids)
        if self.kind == "monitor":
            return f"silencing monitor{'s' if len(self.ids) > 1 else ''} {listed}"
        return f"with ID{'s' if len(self.ids) > 1 else ''} {listed}"

    def __str__(self) -> str:
        return self.canonical

    def found(self, tag_sets: Iterable[frozenset[str] | None], scope_texts: Iterable[str],
              names: tuple[str, ...] = ()) -> Target:
        """This target once previewed: the tags of what it matched (for the access policy) and the monitors' names.

        A downtime whose scope is not a plain tag list (`env:prod OR env:staging`) contributes every
        `key:value` term in it, so that a protected tag cannot hide inside a query."""
        tags: set[str] = set()
        for found in tag_sets:
            tags.update(found or ())
        for text in scope_texts:
            tags.update(t.lower() for t in re.findall(r"[A-Za-z][\w\-./]*:[\w\-:./]+", text.replace('"', "")))
        return replace(self, tags=tuple(sorted(tags)), names=names or self.names)

    def dump(self) -> dict[str, Any]:
        """As stored with a pending action or a journal entry."""
        return {"kind": self.kind, "ids": list(self.ids), "site": self.site, "names": list(self.names),
                "tags": list(self.tags)}

    @classmethod
    def load(cls, data: dict[str, Any]) -> Target:
        """What `dump` stored."""
        kind: Literal["monitor", "downtime"] = "monitor" if data.get("kind") == "monitor" else "downtime"
        return cls(kind, tuple(str(i) for i in data["ids"]), str(data.get("site") or ""),
                   tuple(str(n) for n in data.get("names") or ()), tuple(str(t) for t in data.get("tags") or ()))


def by_ids(keys: Iterable[str]) -> str:
    """The words that ask for these downtimes by ID (`1234 5678`), or "" when there are too many, or a key is
    not an ID Datadog could have given."""
    ids = list(keys)
    if not 0 < len(ids) <= MAX_IDS or not all(_UUID.fullmatch(k) or _V1_ID.fullmatch(k) for k in ids):
        return ""
    return " ".join(ids)


def site_of(host: str) -> str | None:
    """The Datadog site a UI host belongs to (`app.datadoghq.eu` is `datadoghq.eu`, `acme.datadoghq.com` is
    `datadoghq.com`), or None for a host that is not Datadog's."""
    host = host.lower().rstrip(".")
    for site in sorted(SITES, key=len, reverse=True):  # us3.datadoghq.com before datadoghq.com
        if host == site or host.endswith("." + site):
            return site
    return None


def parse_target(text: str) -> Target | None:
    """A monitor, a link or downtime IDs, or None when the text is none of them (then it is read as a scope).

    Raises SelectionError for a link that is Datadog's but names neither a monitor nor a downtime, a link to
    another host, or a `monitor` without a number."""
    plain = _SLACK_LINK.sub(lambda m: m.group(1), text).replace("&amp;", "&").strip()
    words = plain.replace(",", " ").split()
    if not words:
        return None
    if words[0].lower() in ("monitor", "monitors"):
        ids = words[1:]
        if not ids or not all(_V1_ID.fullmatch(i) for i in ids):
            raise SelectionError("After `monitor`, give the monitor's number (from its link).",
                                 "For example: monitor 1234, or paste the monitor's link.")
        return Target("monitor", _few(ids, "monitors"))
    if all(_URL.fullmatch(w) for w in words):
        return _from_links(words)
    if all(_UUID.fullmatch(w) or _V1_ID.fullmatch(w) for w in words):
        return Target("downtime", _few([w.lower() for w in words], "downtimes"))
    return None


def monitor_links(message: Any) -> Target | None:
    """The monitors a Slack message links to (Datadog's alert notifications link theirs), wherever in the
    message they are (text, blocks, attachments); None when it links none. Links to another site count,
    so that the answer can say so."""
    ids: list[str] = []
    sites: list[str] = []
    for text in _strings(message):
        for url in _URL.findall(text.replace("&amp;", "&")):
            site, monitor, _ = _link(url.rstrip(".,;)"))
            if site and monitor and monitor not in ids:
                ids.append(monitor)
                sites.append(site)
    if not ids:
        return None
    # Several sites in one message is unusual; the first link's decides, and a mismatch is refused.
    return Target("monitor", tuple(ids[:MAX_IDS]), site=sites[0] if len(set(sites)) == 1 else "mixed")


def _from_links(urls: list[str]) -> Target:
    kinds: set[str] = set()
    ids: list[str] = []
    sites: set[str] = set()
    for url in urls:
        site, monitor, downtime = _link(url)
        if site is None:
            raise SelectionError("That link is not to Datadog.",
                                 "Paste a Datadog monitor or downtime link, or write monitor 1234.")
        sites.add(site)
        if downtime:
            kinds.add("downtime")
            ids.append(downtime)
        elif monitor:
            kinds.add("monitor")
            ids.append(monitor)
        else:
            raise SelectionError("That Datadog link names neither a monitor nor a downtime.", "Paste a monitor's "
                                 "link (…/monitors/1234) or a downtime's (…/monitors/downtimes?id=…).")
    if len(kinds) > 1:
        raise SelectionError("Those links mix monitors and downtimes.", "Paste one kind at a time.")
    kind: Literal["monitor", "downtime"] = "monitor" if kinds == {"monitor"} else "downtime"
    return Target(kind, _few(ids, f"{kind}s"), site=sites.pop() if len(sites) == 1 else "mixed")


def _link(url: str) -> tuple[str | None, str, str]:
    """A URL's Datadog site (None: not Datadog's), and the monitor or the downtime it names ("" when none):
    `…/monitors/1234[/…]`, `…/monitors/downtimes?id=…`, `…/monitors/downtimes/<id>`."""
    parts = urlsplit(url)
    monitor = _MONITOR_PATH.match(parts.path)
    downtime = parse_qs(parts.query).get("id", [""])[0] if parts.path.rstrip("/") == "/monitors/downtimes" else ""
    if parts.path.startswith("/monitors/downtimes/"):
        downtime = parts.path.rsplit("/", 1)[-1]
    valid = bool(_UUID.fullmatch(downtime) or _V1_ID.fullmatch(downtime))
    return site_of(parts.hostname or ""), monitor.group(1) if monitor else "", downtime.lower() if valid else ""


def _few(ids: list[str], what: str) -> tuple[str, ...]:
    unique = tuple(dict.fromkeys(ids))
    if len(unique) > MAX_IDS:
        raise SelectionError(f"That is {len(unique)} {what}; one prompt takes at most {MAX_IDS}.",
                             "Ask for fewer at a time, or use a scope.")
    return unique


def _strings(value: Any) -> Iterable[str]:
    """Every string in a JSON value (a Slack message), depth first."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
