"""Datadog's v2 scope queries (`env:prod AND service:"api"`) read as tag sets. Pure.

A v2 downtime's `attributes.scope` is a query. It has a tag set only when it is a simple
conjunction of tags (`AND` in any case, or implicit between terms; values possibly in double
quotes); any other query (OR, NOT, `-tag`, parentheses, wildcards, free text) has none.
"""

from __future__ import annotations

import re

from bot.domain.scope import MAX_TAG_CHARS, tag_of

_V2_TERM = re.compile(r'^([^\s:"()]+):(?:"([^"]*)"|([^\s"()]+))$')
# Plain ASCII tags, quoted or not, joined by spaces or AND: what tag_of accepts without the full grammar.
_PLAIN_TERM = re.compile(r'[A-Za-z][A-Za-z0-9_\-./]*:(?:"[A-Za-z0-9_\-:./]+"|[A-Za-z0-9_\-:./]+)')
_PLAIN_CONJUNCTION = re.compile(rf"{_PLAIN_TERM.pattern}(?:\s+(?:[Aa][Nn][Dd]\s+)?{_PLAIN_TERM.pattern})*")


def parse_v2_scope(query: str) -> frozenset[str] | None:
    """The tag set of a simple conjunction (`a:b AND c:"d"`), or None for any other query."""
    if _PLAIN_CONJUNCTION.fullmatch(query):  # nearly every scope: one expression settles it
        tags = frozenset(t.replace('"', "").lower() for t in _PLAIN_TERM.findall(query))
        if all(len(t) <= MAX_TAG_CHARS for t in tags):
            return tags
    return parse_v2_scope_term_by_term(query)


def parse_v2_scope_term_by_term(query: str) -> frozenset[str] | None:
    """`parse_v2_scope` through the full tag grammar, one term at a time (any Unicode, any oddity)."""
    terms = query.split()
    tags: list[str] = []
    expect_tag = True
    for term in terms:
        if term.upper() == "AND" and not expect_tag:
            expect_tag = True
            continue
        match = _V2_TERM.match(term)
        if match is None or "*" in term or term.startswith(("-", "!")):
            return None
        key, quoted, bare = match.groups()
        valid = tag_of(f"{key}:{quoted if quoted is not None else bare}")
        if valid is None:  # not a tag Datadog could store, or not exactly one
            return None
        tags.append(valid)
        expect_tag = False
    if not tags or expect_tag:
        return None
    return frozenset(tags)
