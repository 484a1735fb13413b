"""The sandbox's Block Kit renderer: every block and element type the bot sends, Slack's mrkdwn, and escaping."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.sandbox.blockkit import Rendered
from bot.sandbox.emoji import EMOJI
from tests.helpers import ROOT
from tests.scenes import PICTURES

NAMES = {"U1": "alice", "C1": "incident-api"}


def draw(blocks: list[dict[str, Any]], fallback: str = "") -> tuple[str, Rendered]:
    rendered = Rendered(lambda key: NAMES.get(key, key))
    return rendered.blocks(blocks, fallback), rendered


def mrkdwn(text: str) -> str:
    return Rendered(lambda key: NAMES.get(key, key)).mrkdwn(text)


def actions_of(shown: str) -> list[dict[str, Any]]:
    """What each drawn button would send when clicked (its data-action)."""
    return [json.loads(html.unescape(m)) for m in re.findall(r'data-action="([^"]*)"', shown)]


def test_a_section_draws_its_text_fields_and_button() -> None:
    """A section shows its mrkdwn text, its fields side by side, and its accessory button."""
    shown, rendered = draw([{"type": "section", "block_id": 'b"7<', "text": {"type": "mrkdwn", "text": "*Active*"},
                             "fields": [{"type": "mrkdwn", "text": "`env:prod`"}, {"type": "plain_text", "text": "2"}],
                             "accessory": {"type": "button", "action_id": "go", "value": "v",
                                           "text": {"type": "plain_text", "text": "Preview"}}}])
    assert '<div class="bk-text"><b>Active</b></div>' in shown
    assert '<div class="bk-field"><code>env:prod</code></div><div class="bk-field">2</div>' in shown
    assert actions_of(shown) == [{"action_id": "go", "block_id": 'b"7<', "value": "v"}]  # escaped, and back
    assert ">Preview</button>" in shown
    assert rendered.unsupported == []


def test_a_context_draws_mrkdwn_plain_text_and_images() -> None:
    """Context elements are small print: mrkdwn, plain text (only emoji drawn) and images."""
    shown, _ = draw([{"type": "context", "elements": [
        {"type": "mrkdwn", "text": "_note_"}, {"type": "plain_text", "text": "*not bold* :bell:"},
        {"type": "image", "image_url": "https://example.com/i.png", "alt_text": "a \"logo\""}]}])
    assert '<div class="bk-context">' in shown
    assert "<i>note</i>" in shown
    assert "*not bold* \U0001f514" in shown
    assert '<img class="bk-image" src="https://example.com/i.png" alt="a &quot;logo&quot;">' in shown


def test_buttons_carry_their_style_and_confirm_dialog() -> None:
    """A danger button is drawn red, a primary one green, and its confirm dialog rides with it, its text drawn."""
    confirm = {"title": {"type": "plain_text", "text": "Cancel 3?"},
               "text": {"type": "mrkdwn", "text": "They end *now*."},
               "confirm": {"type": "plain_text", "text": "Cancel them"},
               "deny": {"type": "plain_text", "text": "Go back"}, "style": "danger"}
    shown, _ = draw([{"type": "actions", "block_id": "decide", "elements": [
        {"type": "button", "action_id": "yes", "value": "p1", "style": "danger", "confirm": confirm,
         "text": {"type": "plain_text", "text": "Cancel all 3"}},
        {"type": "button", "action_id": "ok", "value": "p2", "style": "primary",
         "text": {"type": "plain_text", "text": "Fine"}},
        {"type": "button", "action_id": "no", "value": "p3", "text": {"type": "plain_text", "text": "Keep"}}]}])
    assert '<div class="bk-actions">' in shown
    assert 'class="bk-button bk-danger"' in shown
    assert 'class="bk-button bk-primary"' in shown
    sent = actions_of(shown)
    assert sent[0]["confirm"] == {"title": "Cancel 3?", "text": "They end <b>now</b>.", "confirm": "Cancel them",
                                  "deny": "Go back", "style": "danger"}
    assert [a["action_id"] for a in sent] == ["yes", "ok", "no"]
    assert "confirm" not in sent[2]
    assert all(a["block_id"] == "decide" for a in sent)


def test_a_link_button_keeps_its_url() -> None:
    """A button with a URL opens it."""
    shown, _ = draw([{"type": "actions", "elements": [{"type": "button", "action_id": "open", "url": "https://x.test/",
                                                        "text": {"type": "plain_text", "text": "Open"}}]}])
    assert actions_of(shown)[0]["url"] == "https://x.test/"


def test_a_divider_and_a_header() -> None:
    """A divider is a rule; a header is large plain text."""
    shown, _ = draw([{"type": "header", "text": {"type": "plain_text", "text": "Muted <now>"}}, {"type": "divider"}])
    assert shown == '<div class="bk-header">Muted &lt;now&gt;</div><hr class="bk-divider">'


def test_no_blocks_draws_the_text() -> None:
    """A message without blocks shows its text, as mrkdwn."""
    shown, _ = draw([], "*Usage*: type it")
    assert "<b>Usage</b>: type it" in shown


def test_an_unknown_block_or_element_is_shown_and_reported() -> None:
    """A block or element the renderer does not know is a visible box and listed, never silently dropped."""
    shown, rendered = draw([{"type": "rich_text", "elements": []},
                            {"type": "actions", "elements": [{"type": "static_select", "action_id": "s"}]}])
    assert shown.count('class="bk-unsupported"') == 2
    assert rendered.unsupported == ["block rich_text", "element static_select"]


@pytest.mark.parametrize(("text", "expected"), [
    ("*bold* and _italic_ and ~gone~", "<b>bold</b> and <i>italic</i> and <s>gone</s>"),
    ("snake_case_name stays", "snake_case_name stays"),
    ("2*3*4 is no bold", "2*3*4 is no bold"),
    ("`*not bold*` in code", "<code>*not bold*</code> in code"),
    ("```line one\n*two*```", "<pre>line one\n*two*</pre>"),
    ("<https://app.datadoghq.com/monitors/1|High p99>",
     '<a href="https://app.datadoghq.com/monitors/1" target="_blank" rel="noopener noreferrer">High p99</a>'),
    ("<https://x.test/?a=1&amp;b=2>",
     '<a href="https://x.test/?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">https://x.test/?a=1&amp;b=2</a>'),
    ("<@U1> in <#C1>", '<span class="bk-mention">@alice</span> in <span class="bk-mention">#incident-api</span>'),
    ("<#C9|ops>", '<span class="bk-mention">#ops</span>'),
    ("<!here> look", '<span class="bk-mention">@here</span> look'),
    ("first\n&gt; quoted\nlast", 'first<br><span class="bk-quote">quoted</span><br>last'),
    (":white_check_mark: done :not_an_emoji:", "\u2705 done :not_an_emoji:"),
])
def test_mrkdwn(text: str, expected: str) -> None:
    """Slack's mrkdwn, drawn as Slack draws it."""
    assert mrkdwn(text) == expected


def test_what_a_message_holds_never_becomes_markup() -> None:
    """Slack-escaped text and quotes stay text: no tag, attribute or script from a downtime's message."""
    shown = mrkdwn('&lt;script&gt;alert(1)&lt;/script&gt; "x" &amp; <https://x.test/"onclick="y|a "label">')
    assert "<script>" not in shown
    assert "&lt;script&gt;" in shown
    assert 'href="https://x.test/&quot;onclick=&quot;y"' in shown
    assert "&amp;" in shown


def test_a_date_is_drawn_in_utc_with_its_fallback_as_title() -> None:
    """`<!date^…>` shows today/tomorrow and the time in UTC; a broken one shows its fallback."""
    soon = datetime.now(UTC).replace(hour=12, minute=30, second=0, microsecond=0) + timedelta(days=1)
    shown = mrkdwn(f"<!date^{int(soon.timestamp())}^{{date_short_pretty}} {{time}}|fallback text>")
    assert shown == '<time title="fallback text">tomorrow 12:30 UTC</time>'
    assert mrkdwn("<!date^soon^{time}|2026-12-01 10:00 UTC>") == \
        '<time title="2026-12-01 10:00 UTC">2026-12-01 10:00 UTC</time>'


def test_every_emoji_the_bot_uses_is_drawn() -> None:
    """Each `:name:` in the bot's Slack code has a character here, so none shows as its code."""
    used = set()
    for path in (ROOT / "bot" / "slack").rglob("*.py"):
        used |= set(re.findall(r":([a-z][a-z0-9_+-]+):", path.read_text()))
    used -= {"//", "https"}
    assert used, "found no emoji: the pattern is wrong"
    assert sorted(used - set(EMOJI)) == []


def test_every_block_and_element_the_pictures_hold_is_drawn() -> None:
    """Every block and element type in the messages behind the pictures (what the bot sends) renders."""
    files = sorted(PICTURES.glob("*.json"))
    assert files, "docs/pictures/ holds no message JSON"
    seen: set[str] = set()
    for path in files:
        payload = json.loads(path.read_text())["payload"]
        _, rendered = draw(payload.get("blocks") or [], payload.get("text", ""))
        assert rendered.unsupported == [], path.name
        seen |= {b["type"] for b in payload.get("blocks") or []}
    assert {"section", "context", "actions", "divider", "header"} <= seen


def test_every_type_the_bot_writes_is_one_the_renderer_draws() -> None:
    """Each `"type": "…"` the bot's Slack code writes (blocks, elements, text objects, views) is drawn, beyond what
    the pictures happen to hold."""
    written: set[str] = set()
    for path in (ROOT / "bot" / "slack").rglob("*.py"):
        written |= set(re.findall(r'"type": "([a-z_]+)"', path.read_text()))
    assert {"section", "button", "mrkdwn"} <= written, "the pattern found nothing: it is wrong"
    views = {"home", "modal"}  # drawn as a whole by the page and tools/pictures.py, not as a block

    def drawn(kind: str) -> bool:  # as a block, or as an element (text objects are elements too)
        as_block, as_element = Rendered(), Rendered()
        as_block.block({"type": kind})
        as_element.element({"type": kind}, "")
        return not as_block.unsupported or not as_element.unsupported

    assert drawn("section")
    assert not drawn("rich_text")
    assert sorted(kind for kind in written - views if not drawn(kind)) == []
