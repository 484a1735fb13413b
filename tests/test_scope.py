"""The scope grammar: what is accepted, its canonical form, and the reason given for every refusal."""

from __future__ import annotations

import pytest

from bot.domain.scope import MAX_INPUT_CHARS, HelpRequest, Scope, ScopeError, parse_command, parse_scope, tag_of


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("env:prod", "env:prod"),
        ("env:prod,service:api", "env:prod,service:api"),
        ("service:api,env:prod", "env:prod,service:api"),
        ("  env:prod ,  service:api  ", "env:prod,service:api"),
        ("ENV:Prod,Service:API", "env:prod,service:api"),
        ("env:prod,env:prod", "env:prod"),
        ("env:prod:east", "env:prod:east"),
        ("host:web-1.example.com", "host:web-1.example.com"),
        ("kube_namespace:team/payments", "kube_namespace:team/payments"),
        ("env:prod,env:staging", "env:prod,env:staging"),
        ("\u00a0env:prod\u00a0", "env:prod"),
        ("région:île-de-france", "région:île-de-france"),
        ("\uff45\uff4e\uff56:\uff50\uff52\uff4f\uff44", "env:prod"),
        ("a:" + "b" * 198, "a:" + "b" * 198),
    ],
)
def test_valid_scopes_have_one_canonical_form(text: str, canonical: str) -> None:
    """Spaces, case, order and duplicates do not matter; the canonical form is sorted lowercase tags."""
    scope = parse_scope(text)
    assert scope.canonical == canonical
    assert str(scope) == canonical


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (",", "Tag 1 is empty"),
        ("env:prod,", "Tag 2 is empty"),
        ("env:prod,,service:api", "Tag 2 is empty"),
        ("env", "has no value"),
        ("env:", "has no value after the colon"),
        (":prod", "has no key"),
        ("1env:prod", "must start with a letter"),
        ("_env:prod", "must start with a letter"),
        ("env:prod service:api", "contains spaces"),
        ("env: prod", "contains spaces"),
        ("env:prod AND service:api", "AND, OR and NOT"),
        ("env:prod OR env:staging", "AND, OR and NOT"),
        ("NOT env:prod", "AND, OR and NOT"),
        ("env:prod && service:api", "AND, OR and NOT"),
        ("env:prod || service:api", "AND, OR and NOT"),
        ("-env:prod", "Negation"),
        ("env:prod,!service:api", "Negation"),
        ("(env:prod)", "Parentheses"),
        ("env:prod*", "Wildcards"),
        ("env:pro?", "Wildcards"),
        ('host:"web-1"', "Quotes"),
        ("env:'prod'", "Quotes"),
        ("env:\u201cprod\u201d", "Quotes"),
        ("env:prod;drop", "';'"),
        ("env:prod&x", "'&'"),
        ("env:a<b", "'<'"),
        ("env:prod#1", "'#'"),
        ("user:a@b", "'@'"),
        ("env:prod\u200b", "invisible or control character (U+200B)"),
        ("env:prod\x00", "control character (U+0000)"),
        ("env:" + "x" * 197, "at most 200"),
        (",".join(f"t{i}:v" for i in range(21)), "at most 20"),
        ("x" * (MAX_INPUT_CHARS + 1), f"at most {MAX_INPUT_CHARS}"),
    ],
)
def test_invalid_scopes_say_what_is_wrong(text: str, reason: str) -> None:
    """Each refusal names the specific problem, and carries a hint on how to write a scope."""
    with pytest.raises(ScopeError) as caught:
        parse_scope(text)
    assert reason in caught.value.reason
    assert caught.value.hint


def test_space_separated_tags_suggest_commas() -> None:
    """Tags separated by spaces get the same tags joined by commas as the suggestion."""
    with pytest.raises(ScopeError) as caught:
        parse_scope("env:prod service:api")
    assert "env:prod,service:api" in caught.value.hint


@pytest.mark.parametrize("text", ["", "  ", "help", "HELP", " help ", "--help", "-h", "?", "usage"])
def test_help_requests(text: str) -> None:
    """No text, or a help word, is a request for usage."""
    assert parse_command(text) == HelpRequest()


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("host:<http://web-1.example.com|web-1.example.com>", "host:web-1.example.com"),
        ("url:<http://example.com/a>", "url:http://example.com/a"),
        ("owner:<mailto:ops.team|ops.team>", "owner:ops.team"),
        ("env:prod,  host:<http://db.internal|db.internal>", "env:prod,host:db.internal"),
    ],
)
def test_slack_links_are_unwrapped_to_what_was_typed(text: str, canonical: str) -> None:
    """Slack's auto-linking of host names and URLs is undone before parsing."""
    scope = parse_command(text)
    assert isinstance(scope, Scope)
    assert scope.canonical == canonical


@pytest.mark.parametrize(
    "text",
    ["<!channel>", "<!here>", "<!everyone>", "env:prod,<@U123|alice>", "<#C123|ops>", "<!subteam^S1|@sre>"],
)
def test_slack_mentions_are_refused(text: str) -> None:
    """Mentions, channels and broadcasts are not tags, and the reason does not repeat them."""
    with pytest.raises(ScopeError) as caught:
        parse_command(text)
    assert "mentions" in caught.value.reason
    assert "<" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("env:a&amp;b", "'&'"), ("env:&lt;b&gt;", "'<'"), ("a:b&gt;c", "'>'")],
)
def test_slack_entities_are_decoded_then_judged(text: str, reason: str) -> None:
    """`&amp;`, `&lt;` and `&gt;` are the characters the user typed, and those are not tag characters."""
    with pytest.raises(ScopeError) as caught:
        parse_command(text)
    assert reason in caught.value.reason


def test_overlong_raw_text_is_refused_before_any_work() -> None:
    """Absurdly long input is refused by length alone."""
    with pytest.raises(ScopeError) as caught:
        parse_command("<@U1>" * 10_000)
    assert "characters" in caught.value.reason


@pytest.mark.parametrize("text", [
    "env:prod", "Host:Web-1.example.com", "a:b:c", "k/x:v_1", "env:", ":prod", "1env:prod", "env:pr od",
    "env:prod,team:a", "-env:prod", "env:pr*d", "é:x", "\uff45\uff4e\uff56:prod", "a" * 199 + ":x", "and:x",
    "env:prod\u200b",
])
def test_the_fast_tag_check_agrees_with_the_grammar(text: str) -> None:
    """tag_of gives what parse_scope gives for exactly one tag, and None wherever the grammar refuses."""
    try:
        expected: str | None = parse_scope(text).tags[0] if len(parse_scope(text).tags) == 1 else None
    except ScopeError:
        expected = None
    assert tag_of(text) == expected
