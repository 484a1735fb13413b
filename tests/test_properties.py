"""Property-based tests: any text, any header set, any body gets a definite answer and never raises."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import parse_qs, urlencode

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.queries import parse_v2_scope, parse_v2_scope_term_by_term
from bot.domain.scope import HelpRequest, ListRequest, Scope, ScopeError, parse_command, parse_scope, tag_of
from bot.domain.selection import Target
from bot.slack import edge
from bot.slack.views.blocks import escape
from bot.slack.views.notices import invalid_scope

SECRET = "property-secret"
# Text a person could type, Slack's rewriting included: tag characters, separators, markup, any Unicode.
TAGGY = st.text(alphabet=st.sampled_from("abcdefgxyz019:_-./, *&<>|!@#()\"'AND OR \t\n"), max_size=80)
ANY_TEXT = st.one_of(TAGGY, st.text(max_size=300))


@settings(max_examples=1500, deadline=None)
@given(ANY_TEXT)
def test_any_command_text_is_a_scope_help_list_or_an_explained_refusal(text: str) -> None:
    """parse_command never raises anything but ScopeError, and a scope's (or a monitor's or downtime IDs')
    canonical form parses to itself."""
    parsed: Scope | Target | HelpRequest | ListRequest | ScopeError
    try:
        parsed = parse_command(text)
    except ScopeError as error:
        parsed = error
    if isinstance(parsed, ScopeError):
        assert parsed.reason
        refusal = json.dumps(invalid_scope(parsed))  # the refusal that is posted: never a ping
        assert not any(ping in refusal for ping in ("<!channel>", "<!here>", "<!everyone>", "<@"))
        return
    assert isinstance(parsed, Scope | Target | HelpRequest | ListRequest)
    if isinstance(parsed, Target):
        again = parse_command(parsed.canonical)
        assert isinstance(again, Target)
        assert (again.kind, again.ids) == (parsed.kind, parsed.ids)
        assert escape(parsed.canonical) == parsed.canonical
    if isinstance(parsed, Scope):
        assert parse_scope(parsed.canonical) == parsed
        assert escape(parsed.canonical) == parsed.canonical  # nothing in a canonical scope is markup


HEADER_NAMES = st.sampled_from([
    "x-slack-request-timestamp", "x-slack-signature", "content-type", "x-other", "content-length",
])


@settings(max_examples=800, deadline=None)
@given(st.dictionaries(HEADER_NAMES, st.text(max_size=80), max_size=5), st.binary(max_size=400))
def test_any_headers_and_body_get_a_verdict(headers: dict[str, str], body: bytes) -> None:
    """Unsigned garbage is refused with 401 or passes nothing to Bolt; check never raises."""
    verdict = edge.check(headers, body, SECRET)
    assert verdict is not None
    assert verdict.status == 401


def _signed(body: bytes, content_type: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"x-slack-request-timestamp": timestamp, "x-slack-signature": f"v0={digest}", "content-type": content_type}


FORM_FIELDS = st.dictionaries(
    st.sampled_from(["command", "text", "team_id", "channel_id", "user_id", "response_url", "payload", "x"]),
    st.one_of(st.text(max_size=60), st.just("https://hooks.slack.com/commands/1"),
              st.builds(json.dumps, st.dictionaries(st.sampled_from(["type", "user", "actions", "team"]),
                                                    st.one_of(st.text(max_size=10), st.integers(), st.none())))),
    max_size=7,
)


@settings(max_examples=600, deadline=None)
@given(st.one_of(
    FORM_FIELDS.map(lambda f: (urlencode(f).encode(), "application/x-www-form-urlencoded")),
    st.tuples(st.binary(max_size=300), st.sampled_from(["application/x-www-form-urlencoded", "application/json",
                                                        "text/plain", ""])),
))
def test_any_signed_body_gets_a_definite_verdict(sample: tuple[bytes, str]) -> None:
    """A correctly signed body of any shape is let through or refused with 400 or 415, never an exception."""
    body, content_type = sample
    verdict = edge.check(_signed(body, content_type), body, SECRET)
    assert verdict is None or verdict.status in (400, 415)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.sampled_from(["text", "channel_name", "user_name", "team_domain", "command"]),
                       st.text(max_size=40), min_size=1))
def test_the_body_for_bolt_keeps_every_field(fields: dict[str, str]) -> None:
    """Whatever a command form holds, Bolt sees the same fields and never a bare "payload"."""
    form = urlencode(fields)
    rewritten = edge.for_bolt(form)
    assert parse_qs(rewritten, keep_blank_values=True) == parse_qs(form, keep_blank_values=True)
    assert "payload" not in rewritten


@settings(max_examples=600, deadline=None)
@given(st.one_of(TAGGY, st.from_regex(r"[A-Za-z][A-Za-z0-9_\-./]{0,10}:[A-Za-z0-9_\-:./]{0,10}", fullmatch=True)))
def test_the_fast_tag_check_agrees_with_the_grammar(text: str) -> None:
    """tag_of (a regular expression first) answers as the full grammar does, for any text."""
    try:
        tags = parse_scope(text).tags
        expected = tags[0] if len(tags) == 1 else None
    except ScopeError:
        expected = None
    assert tag_of(text) == expected


V2_QUERY = st.lists(
    st.one_of(st.from_regex(r'[A-Za-z][A-Za-z0-9_\-./]{0,8}:("?)[A-Za-z0-9_\-:./]{1,8}\1', fullmatch=True),
              st.sampled_from(["AND", "and", "OR", "NOT", "-x:y", "x:*", "(a:b)", "é:x", "a:\"b c\"", ""])),
    max_size=5,
).map(" ".join)


@settings(max_examples=800, deadline=None)
@given(st.one_of(V2_QUERY, TAGGY))
def test_the_fast_v2_scope_reading_agrees_with_the_term_by_term_one(query: str) -> None:
    """One regular expression for plain conjunctions gives exactly what the full grammar gives."""
    assert parse_v2_scope(query) == parse_v2_scope_term_by_term(query)
