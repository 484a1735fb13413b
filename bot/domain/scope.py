"""The scope grammar: what `/cancel-downtime` accepts, its canonical form, and why anything else is refused.

A scope is a comma-separated list of `key:value` tags, all of which must match (AND), exactly as
Datadog's `cancel/by_scope` reads it. Spaces around tags and commas are tolerated; the canonical form
is lowercase (Datadog stores tags lowercase), without duplicates, sorted, joined by commas. Every
refusal names the offending piece and shows how to write it. Pure: no Slack, no HTTP.

Slack rewrites what users type before we see it: `&`, `<`, `>` arrive as `&amp;`, `&lt;`, `&gt;`, and
links, host names, mentions and channels may arrive as `<target|label>`. Links are unwrapped to what
the user typed; mentions (`<@U…>`, `<#C…>`, `<!here>`, …) are refused, never echoed raw.

A reason may follow the scope after ` -- ` (`env:prod -- deploy finished early`): plain text of at
most MAX_REASON_CHARS, with Slack's links and mentions turned back into the words they show.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from bot.domain import when
from bot.domain.selection import SelectionError, Target, parse_target
from bot.domain.when import Later

MAX_INPUT_CHARS = 2000
MAX_TAG_CHARS = 200
MAX_TAGS = 20
TAG_PUNCTUATION = frozenset("_-:./")
HELP_WORDS = frozenset({"", "help", "-h", "--help", "?", "usage"})
BOOLEAN_WORDS = frozenset({"and", "or", "not"})
EXAMPLE = "env:prod,service:api"
MAX_REASON_CHARS = 300
REASON_SEPARATOR = " -- "

_SLACK_ENTITY = re.compile(r"<([^<>]*)>")
_PLAIN_TAG = re.compile(r"[a-z][a-z0-9_\-./]*:[a-z0-9_\-:./]+")
_HTML_ESCAPES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


@dataclass(frozen=True)
class Scope:
    """A valid scope: lowercase tags, deduplicated and sorted; all of them must match."""

    tags: tuple[str, ...]

    @property
    def canonical(self) -> str:
        """The form sent to Datadog and shown to people: `a:b,c:d`."""
        return ",".join(self.tags)

    by_scope = True  # Datadog's cancel/by_scope may end its v1 downtimes (bot.domain.selection: a Target never)

    @property
    def where(self) -> str:
        """How messages name it: "on `env:prod`"."""
        return f"on `{self.canonical}`"

    def __str__(self) -> str:
        return self.canonical


Selection = Scope | Target  # what a prompt acts on: a scope, or downtimes by monitor or by ID


def dump_selection(selection: Selection) -> list[str] | dict[str, Any]:
    """As a pending action or journal entry stores it: a scope's tags, or the target's fields."""
    return list(selection.tags) if isinstance(selection, Scope) else selection.dump()


def load_selection(data: list[str] | dict[str, Any]) -> Selection:
    """What `dump_selection` stored."""
    return Scope(tuple(data)) if isinstance(data, list) else Target.load(data)


@dataclass(frozen=True)
class HelpRequest:
    """The user asked for usage (no text, or `help`)."""


@dataclass(frozen=True)
class ListRequest:
    """The user asked for the active downtimes (`list`)."""


@dataclass(frozen=True)
class ScopeRequest:
    """A scope (or a `Target`: a monitor, downtime IDs) to cancel, with the reason given after ` -- ` ("" when
    none was) and, for "end later", the words after ` in ` or ` at ` (resolved once the requester's time zone
    is known)."""

    scope: Selection
    reason: str = ""
    later: Later | None = None


class ScopeError(ValueError):
    """The text is not a scope; `reason` says why and `hint` how to write it. Both are plain text."""

    def __init__(self, reason: str, hint: str = f"Write tags as key:value, separated by commas: {EXAMPLE}", *,
                 about: str = "scope") -> None:
        self.reason = reason
        self.hint = hint
        self.about = about  # "target": a monitor, link or downtime ID the bot cannot look up
        super().__init__(f"{reason} {hint}")


def parse_command(text: str) -> Selection | HelpRequest | ListRequest:
    """Read the text after `/cancel-downtime`: help, list, a monitor, link or downtime IDs
    (`bot.domain.selection`), or a valid scope; raise ScopeError otherwise."""
    if len(text) > MAX_INPUT_CHARS:
        raise ScopeError(f"That is {len(text)} characters; a scope is at most {MAX_INPUT_CHARS}.")
    try:
        target = parse_target(text)
    except SelectionError as error:
        raise ScopeError(error.reason, error.hint, about="target") from None
    if target is not None:
        return target
    plain = _undo_slack_formatting(text)
    if plain.strip().lower() in HELP_WORDS:
        return HelpRequest()
    if plain.strip().lower() == "list":
        return ListRequest()
    return parse_scope(plain)


def parse_request(text: str, *, require_reason: bool = False) -> ScopeRequest | HelpRequest | ListRequest:
    """Read `<scope> [-- reason]`, help or list; raise ScopeError for a bad scope or reason."""
    scope_text, separator, reason_text = f" {text} ".partition(REASON_SEPARATOR)
    scope_text, later = when.split((scope_text if separator else text).strip())
    parsed = parse_command(scope_text)
    if isinstance(parsed, HelpRequest | ListRequest):
        return parsed
    reason = _plain_reason(reason_text)
    if len(reason) > MAX_REASON_CHARS:
        raise ScopeError(
            f"The reason is {len(reason)} characters; at most {MAX_REASON_CHARS} fit.",
            f"Shorten it, e.g. {parsed.canonical[:60]} -- deploy finished early",
        )
    if require_reason and not reason:
        raise ScopeError(
            "A reason is required here: say why after two dashes.",
            f"For example: {parsed.canonical[:60]} -- deploy finished early",
        )
    return ScopeRequest(parsed, reason, later)


def _plain_reason(text: str) -> str:
    """The words a reason shows: links as their labels, mentions as @name or #name, one line."""

    def words(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target[:1] in ("@", "#"):
            return target[0] + (label or target[1:])
        if target[:1] == "!":
            return "@" + (label or target[1:].split("^")[0])
        return label or target.removeprefix("mailto:")

    plain = _SLACK_ENTITY.sub(words, text)
    for escaped, character in _HTML_ESCAPES:
        plain = plain.replace(escaped, character)
    printable = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in plain)
    return " ".join(printable.split())


def parse_scope(text: str) -> Scope:
    """Parse plain text (Slack formatting already undone) into a Scope, or raise ScopeError."""
    if len(text) > MAX_INPUT_CHARS:
        raise ScopeError(f"That is {len(text)} characters; a scope is at most {MAX_INPUT_CHARS}.")
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") and ch not in "\t\n\r":
            raise ScopeError(f"The scope contains an invisible or control character (U+{ord(ch):04X}).")
    # Full-width and other compatibility forms become the plain characters they stand for.
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        raise ScopeError("The scope is empty.")
    _refuse_query_syntax(text)
    terms = [term.strip() for term in text.split(",")]
    if len(terms) > MAX_TAGS:
        raise ScopeError(f"That is {len(terms)} tags; a scope has at most {MAX_TAGS}.")
    tags: list[str] = []
    for position, term in enumerate(terms, start=1):
        if not term:
            raise ScopeError(f"Tag {position} is empty (two commas in a row, or a comma at an end).")
        tags.append(_parse_tag(term))
    return Scope(tuple(sorted(set(tags))))


def canonical_of(tags: frozenset[str]) -> str | None:
    """A tag set as `/cancel-downtime` would take it (`Scope.canonical`), or None if it cannot be typed.

    Tags read from Datadog are nearly always plain lowercase ASCII, for which the canonical form is their
    sorted list: one expression settles it (a Home tab of 10,000 downtimes asks this 10,000 times); the
    rest goes through the full grammar."""
    if tags and len(tags) <= MAX_TAGS and all(len(t) <= MAX_TAG_CHARS and _PLAIN_TAG.fullmatch(t) for t in tags):
        return ",".join(sorted(tags))
    try:
        return parse_scope(",".join(sorted(tags))).canonical
    except ScopeError:
        return None


def tag_of(text: str) -> str | None:
    """`text` as the one tag Datadog would store (lowercased), or None if it is not exactly one valid tag.

    Tags read from Datadog are nearly always plain ASCII, which one regular expression settles; the
    rest goes through the full grammar. Both give the same answer for a plain tag.
    """
    tag = text.lower()
    if len(tag) <= MAX_TAG_CHARS and _PLAIN_TAG.fullmatch(tag):
        return tag
    try:
        (only,) = parse_scope(text).tags
    except (ScopeError, ValueError):  # not a valid tag, or more than one
        return None
    return only


def _undo_slack_formatting(text: str) -> str:
    """Unwrap Slack's `<target|label>` links and decode its three HTML entities; refuse mentions."""

    def unwrap(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target[:1] in ("@", "#", "!"):
            raise ScopeError(
                "Slack mentions (@someone, #channel, @here, @channel, user groups) are not tags.",
            )
        return label or target.removeprefix("mailto:")

    unwrapped = _SLACK_ENTITY.sub(unwrap, text)
    for escaped, plain in _HTML_ESCAPES:
        unwrapped = unwrapped.replace(escaped, plain)
    return unwrapped


def _refuse_query_syntax(text: str) -> None:
    """Refuse the boolean and search syntax people bring from Datadog's query bar."""
    words = text.replace(",", " ").split()
    if any(word.lower() in BOOLEAN_WORDS for word in words) or any(op in text for op in ("&&", "||")):
        raise ScopeError(
            "AND, OR and NOT are not supported: every tag listed is required (AND), and there is no OR.",
            f"List the tags that must all match, separated by commas: {EXAMPLE}",
        )
    if any(ch in text for ch in "()"):
        raise ScopeError("Parentheses are not supported: a scope is a plain list of tags, all required.")
    if "*" in text or "?" in text:
        raise ScopeError(
            "Wildcards are not supported: Datadog cancels downtimes whose tags equal the scope exactly.",
        )
    if any(ch in text for ch in "\"'`\u201c\u201d\u2018\u2019"):
        raise ScopeError("Quotes are not needed: write the tag as it is, e.g. host:web-1.")
    for word in words:
        if word[:1] in ("-", "!"):
            raise ScopeError(
                "Negation (-tag or !tag) is not supported: a scope lists only tags that must match.",
            )


def _parse_tag(term: str) -> str:
    shown = _clip(term)
    if any(ch.isspace() for ch in term):
        joined = ",".join(term.split())
        raise ScopeError(
            f"'{shown}' contains spaces; tags never do.",
            f"Separate tags with commas, e.g. {_clip(joined)}",
        )
    key, colon, value = term.partition(":")
    if not colon:
        raise ScopeError(f"'{shown}' has no value: tags in a scope are key:value, e.g. env:{shown}.")
    if not key:
        raise ScopeError(f"'{shown}' has no key before the colon.")
    if not value:
        raise ScopeError(f"'{shown}' has no value after the colon.")
    tag = term.lower()
    if len(tag) > MAX_TAG_CHARS:
        raise ScopeError(f"A tag is {len(tag)} characters long; Datadog allows at most {MAX_TAG_CHARS}.")
    if not tag[0].isalpha():
        raise ScopeError(f"'{shown}' must start with a letter, as Datadog tags do.")
    bad = sorted({ch for ch in tag if not (ch.isalpha() or ch in "0123456789" or ch in TAG_PUNCTUATION)})
    if bad:
        listed = " ".join(_describe(ch) for ch in bad)
        raise ScopeError(
            f"'{shown}' contains {listed}, which Datadog tags cannot contain.",
            "Tags may contain letters, digits and _ - : . / only.",
        )
    return tag


def _describe(ch: str) -> str:
    if ch.isprintable() and not ch.isspace():
        return f"'{ch}'"
    return f"U+{ord(ch):04X}"


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
