"""The channel report: what a confirmed click cancelled (with its Undo button), and what an Undo restored. Pure.

As bounded as every message: reasons first, IDs counted past what fits, nothing cut mid-link.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain.downtimes import Downtime
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
    no_undo: str = "",
    how: str = "",
) -> Message:
    """The channel's record: what was cancelled and why, every failure with its reason first, what could
    not be verified, surprises, what is alerting and whether Datadog will notify, and the Undo button
    while it works (or, in `no_undo`, why there is none). `how`: a note on how this report was written
    (after a restart or an interrupted stop)."""
    who = f"<@{quote(user_id, 30)}>"
    done, asked = len(outcome.cancelled), outcome.asked
    failed = len(outcome.failed) + len(outcome.no_id) + len(outcome.not_reached)
    unknown = len(outcome.unknown)
    where = f"on `{scope.canonical}`"
    if unknown and not done:
        summary = (f":grey_question: {who} asked to cancel {plural(asked)} {where}; whether "
                   f"{'it was' if unknown == 1 else f'{unknown} of them were'} cancelled could not be verified.")
    elif unknown:
        summary = f":warning: {who} cancelled {done} of {plural(asked)} {where}; {unknown} could not be verified."
    elif failed and not done:
        summary = f":x: {who} tried to cancel {plural(asked)} {where}, but none was cancelled."
    elif failed:
        summary = f":warning: {who} cancelled {done} of {plural(asked)} {where}; {failed} failed."
    elif done:
        summary = f":white_check_mark: {who} cancelled {plural(done)} {where}."
    else:
        summary = f":information_source: {who} asked to cancel {plural(asked)} {where}: all were already gone."
    blocks: list[dict[str, Any]] = [section(summary + (f"\n*Reason:* {quote(reason, 300)}" if reason else ""))]
    if how:
        blocks.append(context(how))
    if outcome.unexpected_ids:
        blocks.append(ids_section(
            f":rotating_light: *Datadog also cancelled {plural(len(outcome.unexpected_ids))} that the prompt did "
            "not show* (created on this exact scope after the preview). Check them in Datadog:",
            [id_link(i, ui_url) for i in outcome.unexpected_ids],
        ))
    blocks.extend(_unknown(outcome, ui_url))
    blocks.extend(_failures(outcome, ui_url))
    blocks.extend(described(outcome.cancelled, ui_url, "cancelled", cancelled=True))
    if outcome.already_gone:
        blocks.append(ids_section(
            "*Already gone before the click* (cancelled by someone else or ended meanwhile; Undo leaves them be):",
            [downtime_link(d, ui_url) for d in outcome.already_gone],
        ))
    if outcome.kept:
        blocks.append(ids_section(
            f"*Kept, as chosen:* {plural(len(outcome.kept), 'scheduled downtime')} on this scope:",
            [downtime_link(d, ui_url) for d in outcome.kept],
        ))
    blocks.extend(_monitor_blocks(monitors, ui_url))
    if outcome.cancelled and monitors is not None:
        blocks.extend(_notify_blocks(outcome.cancelled, ui_url))
    if undo is not None and undo.count:
        blocks.extend(_undo_blocks(undo, user_id))
    elif no_undo and outcome.cancelled:
        blocks.append(context(f"No Undo button: {no_undo}"))
    return message(summary.split(" ", 1)[1].replace("`", ""), *blocks)


def _unknown(outcome: CancelOutcome, ui_url: str) -> list[dict[str, Any]]:
    """What could not be verified, by reason, each with the link to check it."""
    by_reason: dict[str, list[str]] = {}
    for downtime, error in outcome.unknown:
        why = (
            "the bot was stopped before Datadog answered" if error is None
            else f"Datadog's answer was lost ({quote(error.detail, 150)}) and reading the downtime back failed too"
        )
        by_reason.setdefault(why, []).append(downtime_link(downtime, ui_url))
    return [
        ids_section(f":grey_question: *Not verified ({len(links)}):* {why}. Each may or may not be cancelled; "
                    "open it in Datadog to check before doing anything else:", links)
        for why, links in by_reason.items()
    ]


def _notify_blocks(cancelled: list[Downtime], ui_url: str) -> list[dict[str, Any]]:
    """Per cancelled downtime, whether Datadog notifies for monitors still alerting (its notify_end_* say)."""
    will: dict[str, list[str]] = {}
    silent: list[str] = []
    for d in cancelled:
        types, states = d.form.get("notify_end_types"), d.form.get("notify_end_states")
        if isinstance(types, list) and "canceled" in types and isinstance(states, list) and states:
            will.setdefault(", ".join(str(s) for s in states), []).append(downtime_link(d, ui_url))
        else:
            silent.append(downtime_link(d, ui_url))
    blocks = [
        ids_section(f"*Datadog will notify* for monitors these silenced that are in {quote(states, 60)} "
                    "(their `notify_end_types` include `canceled`):", links)
        for states, links in will.items()
    ]
    if silent:
        blocks.append(ids_section(
            "*Datadog will not notify* about monitors already alerting that these silenced (their "
            "`notify_end_types` do not include `canceled`):", silent,
        ))
    return blocks


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
    clicker_id: str, requester_id: str, scope: Scope, reason: str, outcome: RestoreOutcome, ui_url: str,
    *, retry: UndoOffer | None = None,
) -> Message:
    """Replaces the cancel report after an undo: the new IDs, what is back, what was not and why, what could
    not be verified, and a button to try the failed ones again while the Undo window lasts."""
    who = f"<@{quote(clicker_id, 30)}>"
    asked = outcome.back + len(outcome.skipped) + len(outcome.failed) + len(outcome.unknown)
    back = outcome.back
    where = f"on `{scope.canonical}`"
    unknown = len(outcome.unknown)
    if back == asked:
        summary = f":leftwards_arrow_with_hook: {who} restored {plural(back)} {where}."
    elif unknown:
        summary = (f":grey_question: {who} restored {back} of {plural(asked)} {where}; whether {unknown} "
                   f"{'was' if unknown == 1 else 'were'} created again could not be verified.")
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
        # A failed create whose answer was lost was looked for, and not found: nothing was created.
        reasons.setdefault(explain(error, doing="restore", verified=True), []).append(downtime_link(downtime, ui_url))
    for why, links in sorted(reasons.items(), key=lambda item: -len(item[1]))[:MAX_REASONS]:
        blocks.append(ids_section(f"*Not restored ({len(links)}):* {why}", links))
    if outcome.unknown:
        blocks.append(ids_section(
            f":grey_question: *Not verified ({len(outcome.unknown)}):* Datadog's answer to the create was lost and "
            "the list could not be read to find out whether it landed. Check in Datadog before creating any again:",
            [downtime_link(d, ui_url) for d, _ in outcome.unknown],
        ))
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
    if retry is not None and retry.count:
        again = plural(retry.count)
        blocks.append({"type": "actions", "block_id": "cancel_downtime_undo", "elements": [button(
            UNDO_ACTION, f"Try again: restore {again}", retry.id,
            confirm=(f"Restore {again}?", f"Creates {again} again on this scope (with new IDs).", "Restore"),
        )]})
        blocks.append(context(f"Datadog shows these were not created; the button works for "
                              f"{max(1, round(retry.ttl_seconds / 60))} more minutes."))
    return message(summary.split(" ", 1)[1].replace("`", ""), *blocks)


def _failures(outcome: CancelOutcome, ui_url: str) -> list[dict[str, Any]]:
    by_reason: dict[str, list[str]] = {}
    for downtime, error in outcome.failed:
        by_reason.setdefault(explain(error, verified=True), []).append(downtime_link(downtime, ui_url))
    if outcome.not_reached:
        by_reason.setdefault(
            "The bot was stopped before cancelling these; Datadog shows them still live. Run the command again.", []
        ).extend(downtime_link(d, ui_url) for d in outcome.not_reached)
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
    blocks = [section(":rotating_light: *Already alerting on this scope:*\n" + "\n".join(lines))]
    if cut:
        blocks.append(context(cut.strip()))
    return blocks
