"""The channel report: what a confirmed click cancelled (with its Undo button), and what an Undo restored. Pure.

As bounded as every message: reasons first, IDs counted past what fits, nothing cut mid-link.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain.monitors import Alerting
from bot.domain.scope import Scope
from bot.errors import DatadogError
from bot.slack.views.action_ids import UNDO_ACTION
from bot.slack.views.blocks import (
    Message,
    button,
    context,
    downtime_link,
    id_link,
    ids_section,
    message,
    plural,
    quote,
    section,
)
from bot.slack.views.describe import described
from bot.slack.views.explain import explain
from bot.usecases.cancel import CancelOutcome
from bot.usecases.undo import RestoreOutcome

MAX_MONITORS = 15
MAX_REASONS = 5  # distinct failure reasons, each with its IDs


@dataclass(frozen=True)
class UndoOffer:
    """The report's Undo button: the pending undo's ID, how many it restores, and for how long."""

    id: str
    count: int
    ttl_seconds: float


def cancel_report(
    user_id: str,
    scope: Scope,
    outcome: CancelOutcome,
    monitors: Alerting | DatadogError | None,
    ui_url: str,
    *,
    reason: str = "",
    undo: UndoOffer | None = None,
) -> Message:
    """The channel's record: what was cancelled and why, every failure with its reason first, surprises,
    what is alerting, and the Undo button while it works."""
    who = f"<@{quote(user_id, 30)}>"
    done, asked = len(outcome.cancelled) + len(outcome.probably_cancelled), outcome.asked
    failed = len(outcome.failed) + len(outcome.no_id)
    where = f"on `{scope.canonical}`"
    if failed and not done:
        summary = f":x: {who} tried to cancel {plural(asked)} {where}, but none was cancelled."
    elif failed:
        summary = f":warning: {who} cancelled {done} of {plural(asked)} {where}; {failed} failed."
    elif done:
        summary = f":white_check_mark: {who} cancelled {plural(done)} {where}."
    else:
        summary = f":information_source: {who} asked to cancel {plural(asked)} {where}: all were already gone."
    blocks: list[dict[str, Any]] = [section(summary + (f"\n*Reason:* {quote(reason, 300)}" if reason else ""))]
    if outcome.unexpected_ids:
        blocks.append(ids_section(
            f":rotating_light: *Datadog also cancelled {plural(len(outcome.unexpected_ids))} that the prompt did "
            "not show* (created on this exact scope after the preview). Check them in Datadog:",
            [id_link(i, ui_url) for i in outcome.unexpected_ids],
        ))
    blocks.extend(_failures(outcome, ui_url))
    blocks.extend(described(outcome.cancelled, ui_url, "cancelled", cancelled=True))
    if outcome.probably_cancelled:
        blocks.append(ids_section(
            "*Probably cancelled:* an attempt failed without an answer, and the retry found nothing left to "
            "cancel on this scope, so the first attempt most likely cancelled them.",
            [downtime_link(d, ui_url) for d in outcome.probably_cancelled],
        ))
    if outcome.already_gone:
        blocks.append(ids_section(
            "*Already gone before the click* (ended or cancelled meanwhile):",
            [downtime_link(d, ui_url) for d in outcome.already_gone],
        ))
    if outcome.kept:
        blocks.append(ids_section(
            f"*Kept, as chosen:* {plural(len(outcome.kept), 'scheduled downtime')} on this scope:",
            [downtime_link(d, ui_url) for d in outcome.kept],
        ))
    blocks.extend(_monitor_blocks(monitors, ui_url))
    if undo is not None and undo.count:
        blocks.extend(_undo_blocks(undo, user_id))
    return message(summary.split(" ", 1)[1].replace("`", ""), *blocks)


def _undo_blocks(undo: UndoOffer, user_id: str) -> list[dict[str, Any]]:
    minutes = max(1, round(undo.ttl_seconds / 60))
    restore = plural(undo.count)
    undo_button = button(
        UNDO_ACTION, f"Undo: restore {restore}", undo.id,
        confirm=(f"Restore {restore}?", f"Creates {restore} again on this scope, as before the cancel (with new "
                 "IDs). Datadog may notify the handles in their messages again.", "Restore"),
    )
    return [
        {"type": "actions", "block_id": "cancel_downtime_undo", "elements": [undo_button]},
        context(f"Undo works for {minutes} minutes, for <@{quote(user_id, 30)}> or anyone allowed to cancel "
                "on this scope."),
    ]


def restore_report(
    clicker_id: str, requester_id: str, scope: Scope, reason: str, outcome: RestoreOutcome, ui_url: str
) -> Message:
    """Replaces the cancel report after an undo: the new IDs, what is back, what was not and why."""
    who = f"<@{quote(clicker_id, 30)}>"
    asked, back = outcome.back + len(outcome.skipped) + len(outcome.failed), outcome.back
    where = f"on `{scope.canonical}`"
    if back == asked:
        summary = f":leftwards_arrow_with_hook: {who} restored {plural(back)} {where}."
    elif back:
        summary = f":warning: {who} restored {back} of {plural(asked)} {where}; {asked - back} not restored."
    else:
        summary = f":x: {who} tried to restore {plural(asked)} {where}, but none was restored."
    earlier = f"<@{quote(requester_id, 30)}> had cancelled them" + (f" ({quote(reason, 300)})" if reason else "")
    blocks: list[dict[str, Any]] = [section(f"{summary}\n{earlier}.")]
    reasons: dict[str, list[str]] = {}
    for downtime, why in outcome.skipped:
        reasons.setdefault(f"Not restored: {quote(why, 200)}.", []).append(downtime_link(downtime, ui_url))
    for downtime, error in outcome.failed:
        reasons.setdefault(explain(error, doing="restore"), []).append(downtime_link(downtime, ui_url))
    for why, links in sorted(reasons.items(), key=lambda item: -len(item[1]))[:MAX_REASONS]:
        blocks.append(ids_section(f"*Not restored ({len(links)}):* {why}", links))
    if outcome.restored:
        blocks.append(ids_section(
            f"*Restored ({len(outcome.restored)}),* cancelled ID → new ID:",
            [f"{d.key} → {id_link(new, ui_url)}" for d, new in outcome.restored],
        ))
    if outcome.already_back:
        blocks.append(ids_section(
            f"*Already back ({len(outcome.already_back)}):* Datadog already had an identical downtime:",
            [f"{d.key} → {id_link(new, ui_url) if new else 'in Datadog'}" for d, new in outcome.already_back],
        ))
    return message(summary.split(" ", 1)[1].replace("`", ""), *blocks)


def _failures(outcome: CancelOutcome, ui_url: str) -> list[dict[str, Any]]:
    by_reason: dict[str, list[str]] = {}
    for downtime, error in outcome.failed:
        by_reason.setdefault(explain(error), []).append(downtime_link(downtime, ui_url))
    if outcome.no_id:
        by_reason.setdefault(
            "Datadog gave no v2 ID for these, so they cannot be cancelled one by one; cancel them in Datadog.", []
        ).extend(downtime_link(d, ui_url) for d in outcome.no_id)
    reasons = sorted(by_reason.items(), key=lambda item: -len(item[1]))
    blocks = [ids_section(f"*Not cancelled ({len(links)}):* {reason}", links) for reason, links in
              reasons[:MAX_REASONS]]
    if len(reasons) > MAX_REASONS:
        rest = sum(len(links) for _, links in reasons[MAX_REASONS:])
        blocks.append(context(f"…and {plural(rest)} not cancelled for {len(reasons) - MAX_REASONS} other reasons."))
    return blocks


def _monitor_blocks(monitors: Alerting | DatadogError | None, ui_url: str) -> list[dict[str, Any]]:
    if monitors is None:
        return []
    if isinstance(monitors, DatadogError):
        return [context(f"Could not check which monitors are alerting: {quote(monitors.detail, 200)}")]
    cut = "" if monitors.complete else (
        f" Only the first {monitors.checked} monitors on this scope could be checked in time; look at the rest "
        "in Datadog."
    )
    if not monitors.monitors:
        return [context(f"No monitor on this scope is in Alert, Warn or No Data right now.{cut}")]
    lines = [
        f"• <{ui_url}/monitors/{m.id}|{quote(m.name, 150) or m.id}> is *{quote(m.state, 20)}*"
        for m in monitors.monitors[:MAX_MONITORS]
    ]
    if len(monitors.monitors) > MAX_MONITORS:
        lines.append(f"…and {len(monitors.monitors) - MAX_MONITORS} more.")
    blocks = [section(
        ":rotating_light: *Already alerting, and Datadog will not notify about these again:*\n" + "\n".join(lines)
    )]
    if cut:
        blocks.append(context(cut.strip()))
    return blocks
