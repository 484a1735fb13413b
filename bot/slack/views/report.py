"""The channel report: what a confirmed click cancelled (with its Undo button), and what an Undo restored. Pure.

As bounded as every message: reasons first, IDs counted past what fits, nothing cut mid-link.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from bot.domain import notify
from bot.domain.monitors import Alerting
from bot.domain.scope import Selection
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
from bot.usecases.events import Posted

EventNote = Posted | DatadogError | Literal["late"] | None  # the event: posted, failed, not answered yet, or off
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
    scope: Selection,
    outcome: CancelOutcome,
    monitors: Alerting | DatadogError | None,
    ui_url: str,
    *,
    reason: str = "",
    undo: UndoOffer | None = None,
    no_undo: str = "",
    how: str = "",
    event: EventNote = None,
) -> Message:
    """The channel's record: what was cancelled and why, every failure with its reason first, what could
    not be verified, surprises, what is alerting and whether Datadog will notify, and the Undo button
    while it works (or, in `no_undo`, why there is none). `how`: a note on how this report was written
    (after a restart or an interrupted stop); `event`: how the Datadog event naming who asked went."""
    who = f"<@{quote(user_id, 30)}>"
    done, asked = len(outcome.cancelled), outcome.asked
    failed = len(outcome.failed) + len(outcome.no_id) + len(outcome.not_reached)
    unknown = len(outcome.unknown)
    where = scope.where
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
    blocks.extend(unknown_blocks(outcome, ui_url))
    blocks.extend(failure_blocks(outcome, ui_url))
    blocks.extend(described(outcome.cancelled, ui_url, "cancelled", cancelled=True))
    if outcome.already_gone:
        blocks.append(ids_section(
            "*Already gone before the click* (cancelled by someone else or ended meanwhile; Undo leaves them be):",
            [downtime_link(d, ui_url) for d in outcome.already_gone],
        ))
    if outcome.kept:
        blocks.append(ids_section(
            f"*Kept, as chosen:* {plural(len(outcome.kept), 'scheduled downtime')} "
            f"{'on this scope' if scope.by_scope else 'of those shown'}:",
            [downtime_link(d, ui_url) for d in outcome.kept],
        ))
    blocks.extend(_monitor_blocks(monitors, ui_url, scope.by_scope))
    if outcome.cancelled and (monitors is not None or outcome.notify):
        blocks.extend(_notify_blocks(outcome, ui_url))
    if undo is not None and undo.count:
        blocks.extend(undo_blocks(undo, user_id))
    elif no_undo and outcome.cancelled:
        blocks.append(context(f"No Undo button: {no_undo}"))
    blocks.extend(event_footer(event))
    return message(summary.split(" ", 1)[1].replace("`", ""), *blocks)


def unknown_blocks(outcome: CancelOutcome, ui_url: str, done: str = "cancelled") -> list[dict[str, Any]]:
    """What could not be verified, by reason, each with the link to check it."""
    by_reason: dict[str, list[str]] = {}
    for downtime, error in outcome.unknown:
        why = (
            "the bot was stopped before Datadog answered" if error is None
            else f"Datadog's answer was lost ({quote(error.detail, 150)}) and reading the downtime back failed too"
        )
        by_reason.setdefault(why, []).append(downtime_link(downtime, ui_url))
    return [
        ids_section(f":grey_question: *Not verified ({len(links)}):* {why}. Each may or may not be {done}; "
                    "open it in Datadog to check before doing anything else:", links)
        for why, links in by_reason.items()
    ]


def _notify_blocks(outcome: CancelOutcome, ui_url: str) -> list[dict[str, Any]]:
    """Per cancelled downtime, whether Datadog notifies for monitors still alerting: as the click set it
    (`outcome.notify`, verified), else as listed."""
    will: dict[str, list[str]] = {}
    silent: list[str] = []
    failed: dict[str, list[str]] = {}
    unknown: list[str] = []
    for d in outcome.cancelled:
        change = outcome.notify.get(d.key)
        settings = notify.settings(d) if change is None else change.settings
        link = downtime_link(d, ui_url)
        if settings is None:
            unknown.append(link)
            continue
        if change is not None and change.error is not None:
            failed.setdefault(quote(change.error.detail, 150), []).append(link)
        if settings.on_cancel:
            will.setdefault(", ".join(settings.states), []).append(link)
        else:
            silent.append(link)
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
    blocks.extend(ids_section(f":warning: *Could not be set to notify* ({why}); they keep their own settings, "
                              "as above:", links) for why, links in failed.items())
    if unknown:
        blocks.append(ids_section(
            ":grey_question: *Whether Datadog will notify is not verified* for these: the change's answer was lost "
            "and reading them back failed. Check their notify settings in Datadog:", unknown))
    return blocks


def event_footer(note: EventNote) -> list[dict[str, Any]]:
    """The footer about the Datadog event that names the person (nothing when events are off)."""
    if note is None:
        return []
    if isinstance(note, Posted):
        where = f"<{note.url}|the event>" if note.url.startswith("https://") else "the event"
        return [context(f"Recorded in Datadog's event stream with who asked ({where}, tagged with each downtime ID).")]
    if isinstance(note, DatadogError):
        return [context(f":warning: Not recorded in Datadog's event stream ({quote(note.detail, 150)}); the bot's "
                        "audit log still says who asked.")]
    return [context("Datadog's event stream had not confirmed the event naming who asked when this report was "
                    "written; the bot's log says how it ended.")]


def undo_blocks(undo: UndoOffer, user_id: str, *, what: str = "", detail: str = "") -> list[dict[str, Any]]:
    minutes = max(1, round(undo.ttl_seconds / 60))
    restore = plural(undo.count)
    doing = what or f"restore {restore}"
    undo_button = button(
        UNDO_ACTION, f"Undo: {doing}", undo.id,
        confirm=(f"{doing.capitalize()}?", (detail or f"Creates {restore} again, as before the "
                 "cancel (with new IDs).") + " Datadog may notify the handles in their messages again.",
                 "Restore"),
    )
    return [
        {"type": "actions", "block_id": "cancel_downtime_undo", "elements": [undo_button]},
        context(f"Undo works for {minutes} minutes, for <@{quote(user_id, 30)}> or anyone allowed to cancel "
                "on this scope."),
    ]


def failure_blocks(outcome: CancelOutcome, ui_url: str, heading: str = "Not cancelled", doing: str = "cancel"
              ) -> list[dict[str, Any]]:
    by_reason: dict[str, list[str]] = {}
    for downtime, error in outcome.failed:
        by_reason.setdefault(explain(error, doing=doing, verified=True), []).append(downtime_link(downtime, ui_url))
    if outcome.not_reached:
        by_reason.setdefault(
            "The bot was stopped before cancelling these; Datadog shows them still live. Run the command again."
            if doing == "cancel" else
            "The bot was stopped before changing these; Datadog shows them as they were. Run the command again.", []
        ).extend(downtime_link(d, ui_url) for d in outcome.not_reached)
    if outcome.no_id:
        by_reason.setdefault(
            "Datadog gave no v2 ID for these, so they cannot be cancelled one by one; cancel them in Datadog.", []
        ).extend(downtime_link(d, ui_url) for d in outcome.no_id)
    reasons = sorted(by_reason.items(), key=lambda item: -len(item[1]))
    blocks = [ids_section(f"*{heading} ({len(links)}):* {reason}", links) for reason, links in
              reasons[:MAX_REASONS]]
    if len(reasons) > MAX_REASONS:
        rest = sum(len(links) for _, links in reasons[MAX_REASONS:])
        blocks.append(context(f"…and {plural(rest)} {heading.lower()} for {len(reasons) - MAX_REASONS} other reasons."))
    return blocks


def _monitor_blocks(
    monitors: Alerting | DatadogError | None, ui_url: str, by_scope: bool = True
) -> list[dict[str, Any]]:
    if monitors is None:
        return []
    if isinstance(monitors, DatadogError):
        return [context(f"Could not check which monitors are alerting: {quote(monitors.detail, 200)}")]
    cut = "" if monitors.complete else (
        f" Only the first {monitors.checked} monitors{' on this scope' if by_scope else ''} could be checked in time; "
        "look at the rest "
        "in Datadog."
    )
    if not monitors.monitors:
        where = "on this scope" if by_scope else "asked for"
        return [context(f"No monitor {where} is in Alert, Warn or No Data right now.{cut}")]
    lines = [
        f"• <{ui_url}/monitors/{m.id}|{quote(m.name, 150) or m.id}> is *{quote(m.state, 20)}*"
        for m in monitors.monitors[:MAX_MONITORS]
    ]
    if len(monitors.monitors) > MAX_MONITORS:
        lines.append(f"…and {len(monitors.monitors) - MAX_MONITORS} more.")
    where = " on this scope" if by_scope else ""
    blocks = [section(f":rotating_light: *Already alerting{where}:*\n" + "\n".join(lines))]
    if cut:
        blocks.append(context(cut.strip()))
    return blocks
