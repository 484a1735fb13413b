"""The App Home tab and the modals opened from it. Pure.

Home tabs and modals hold at most 100 blocks (Slack refuses the whole view past it): the Home tab
shows the most urgent scopes, one block each, and counts the rest. A modal carries a message the
bot would otherwise post (a prompt, a refusal), its blocks unchanged; its title is at most 24
characters and its `private_metadata` at most 3,000.
"""

from __future__ import annotations

import json
from typing import Any

from bot import COMMAND
from bot.domain.selection import MAX_IDS, by_ids
from bot.slack.views.action_ids import HOME_CANCEL_ACTION, HOME_REFRESH_ACTION
from bot.slack.views.blocks import Message, button, clip, context, plural, quote, section, slack_date
from bot.usecases.home import Group, Listing

MAX_VIEW_BLOCKS = 100  # Slack's, for a Home tab or a modal
MAX_TITLE = 24  # a modal's title
MAX_METADATA = 3000
MAX_HOME_GROUPS = MAX_VIEW_BLOCKS - 8  # the rest of the tab: header, summary, divider, the count, the footer
MODAL_TITLE = "Cancel downtimes"


def home_view(listing: Listing, now: float, ui_url: str, *, max_age: float, reports_to: str,
              dm_channel: str = "") -> dict[str, Any]:
    """What is muted now and what is scheduled, by scope, most urgent first, each with a button that opens the
    same preview and confirmation as the command. `reports_to`: where reports of actions started here go."""
    groups = listing.groups
    active = sum(g.active for g in groups)
    scheduled = len(listing.downtimes) - active
    age = max(0, round(now - listing.at))
    summary = (f"*{active} active now, {scheduled} scheduled*, in {plural(len(groups), 'scope')}. "
               f"Listing read {slack_date(int(listing.at))} ({age} s ago; reused for at most {max_age:g} s). "
               "A preview reads Datadog again before you confirm.")
    summary_block = section(summary)
    summary_block["accessory"] = button(HOME_REFRESH_ACTION, "Refresh", "refresh")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Muted in Datadog"}},
        summary_block,
        {"type": "divider"},
    ]
    if not groups:
        blocks.append(section(":white_check_mark: No downtime is active or scheduled."))
    shown = groups[:MAX_HOME_GROUPS]
    blocks.extend(_group_block(g, ui_url) for g in shown)
    if len(groups) > len(shown):
        rest = groups[len(shown):]
        blocks.append(context(f"…and {plural(len(rest), 'more scope')} ({plural(sum(len(g.downtimes) for g in rest))}"
                              f", {sum(g.active for g in rest)} of them active), less urgent than those above: "
                              f"`{COMMAND} list` in a channel, or Datadog's downtime page, shows them all."))
    blocks.append(context(f"Cancel… opens the preview; the report goes to {reports_to}, with Undo."))
    return {"type": "home", "blocks": blocks, "private_metadata": _metadata(dm_channel)}


def _group_block(group: Group, ui_url: str) -> dict[str, Any]:
    counts = [f"{group.active} active"] if group.active else []
    if len(group.downtimes) > group.active:
        counts.append(f"{len(group.downtimes) - group.active} scheduled")
    first = group.downtimes[0]
    if group.active:
        soonest = group.soonest_end
        when = f"first end {slack_date(soonest)}" if soonest is not None else "no end set: muted until cancelled"
    else:
        when = f"first starts {slack_date(first.start, 'at an unknown time')}"
    shown = f"`{quote(group.scope_text, 300)}`" if group.scope_text else "_every group (no scope)_"
    block = section(f"*{shown}*\n{', '.join(counts)} · {when} · <{ui_url}/monitors/downtimes?id={first.key}|"
                    f"{first.key}>{' and more' if len(group.downtimes) > 1 else ''}")
    value = group.command or by_ids(d.key for d in group.downtimes)
    if value:
        block["accessory"] = button(HOME_CANCEL_ACTION, "Cancel…", value)
    else:
        block["text"]["text"] = clip(block["text"]["text"] + f"\n_Not a plain tag list, and more than {MAX_IDS} "
                                     "downtimes: cancel them by ID or in Datadog._", 3000)
    return block


def home_notice(message: Message, *, refresh: bool = True, dm_channel: str = "") -> dict[str, Any]:
    """The Home tab holding one message instead of the listing (a refusal, Datadog unreachable)."""
    blocks = list(message["blocks"])[: MAX_VIEW_BLOCKS - 1]
    if refresh:
        blocks.append({"type": "actions", "elements": [button(HOME_REFRESH_ACTION, "Try again", "refresh")]})
    return {"type": "home", "blocks": blocks, "private_metadata": _metadata(dm_channel)}


def modal(message: Message, *, title: str = MODAL_TITLE, dm_channel: str = "") -> dict[str, Any]:
    """A message the bot would post, shown in a modal instead (the prompt of an action started on the Home tab);
    `dm_channel` is kept for the clicks inside it, as the Home tab keeps it."""
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": clip(title, MAX_TITLE)},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": list(message["blocks"])[:MAX_VIEW_BLOCKS],
    }
    if dm_channel:
        view["private_metadata"] = _metadata(dm_channel)
    return view


def loading(what: str, dm_channel: str = "") -> dict[str, Any]:
    """The modal opened at once (a click's trigger_id lasts 3 s) while Datadog is read."""
    return modal({"text": "", "blocks": [section(f":hourglass_flowing_sand: Looking up `{quote(what, 300)}` in "
                                                 "Datadog…")]}, dm_channel=dm_channel)


def reported(where: str) -> dict[str, Any]:
    """The modal once the action is done: where its report (with Undo) is."""
    return modal({"text": "", "blocks": [section(f":white_check_mark: Done. The report, with Undo, is in {where}.")]})


def reports_to(channel: str) -> str:
    """Where the reports of actions started on the Home tab go, in words."""
    return f"<#{channel}>" if channel[:1] in ("C", "G") else "your direct messages with the bot"


def _metadata(dm_channel: str) -> str:
    return json.dumps({"dm": dm_channel})[:MAX_METADATA] if dm_channel else ""


def dm_channel_of(view: Any) -> str:
    """The direct message channel a Home view was published for (kept in its private_metadata), or ""."""
    try:
        found = json.loads(str((view or {}).get("private_metadata") or "{}")).get("dm", "")
    except (ValueError, AttributeError):
        return ""
    return found if isinstance(found, str) and found[:1] == "D" and found.isalnum() and len(found) <= 24 else ""
