"""The channel report of an end-later: whose end moved to the deadline, what was cancelled, what was left alone. Pure.

As bounded as every message, with the same rules as the cancel report (`bot.slack.views.report`).
"""

from __future__ import annotations

from typing import Any

from bot.domain.ending import Fate
from bot.domain.scope import Selection
from bot.domain.when import Deadline
from bot.slack.views.blocks import (
    Message,
    context,
    deadline_text,
    downtime_link,
    ids_section,
    message,
    plural,
    quote,
    section,
    slack_date,
)
from bot.slack.views.report import EventNote, UndoOffer, event_footer, failure_blocks, undo_blocks, unknown_blocks
from bot.usecases.cancel import CancelOutcome


def end_report(
    user_id: str, scope: Selection, outcome: CancelOutcome, deadline: Deadline, ui_url: str, *, reason: str = "",
    undo: UndoOffer | None = None, no_undo: str = "", how: str = "", event: EventNote = None,
) -> Message:
    """The channel's record of an end-later: whose end moved to the deadline, what was cancelled (starting after
    it), what failed or could not be verified, what was left alone and why, and Undo."""
    who = f"<@{quote(user_id, 30)}>"
    when = deadline_text(deadline)
    moved, cancelled = len(outcome.moved), len(outcome.cancelled)
    changed, asked = moved + cancelled, outcome.asked
    failed = len(outcome.failed) + len(outcome.no_id) + len(outcome.not_reached)
    unknown = len(outcome.unknown)
    where = scope.where
    plus = f"; cancelled {cancelled} that would have started later" if cancelled else ""
    if unknown and not changed:
        summary = (f":grey_question: {who} asked to end {plural(asked)} {where} at {when}; whether "
                   f"{'it was' if unknown == 1 else f'{unknown} of them were'} changed could not be verified.")
    elif unknown or failed:
        bad = f"{unknown} could not be verified" if unknown else f"{failed} failed"
        summary = (f":warning: {who} set {moved} of {plural(asked)} {where} to end at {when}{plus}; {bad}."
                   if changed else f":x: {who} tried to end {plural(asked)} {where} at {when}, but none was changed.")
    elif moved:
        summary = f":hourglass_flowing_sand: {who} set {plural(moved)} {where} to end at {when}{plus}."
    elif cancelled:
        summary = (f":white_check_mark: {who} cancelled {plural(cancelled)} {where} that would have started after "
                   f"{when}.")
    else:
        summary = f":information_source: {who} asked to end {plural(asked)} {where} at {when}: all were already gone."
    blocks: list[dict[str, Any]] = [section(summary + (f"\n*Reason:* {quote(reason, 300)}" if reason else ""))]
    if how:
        blocks.append(context(how))
    blocks.extend(unknown_blocks(outcome, ui_url, done="changed"))
    blocks.extend(failure_blocks(outcome, ui_url, heading="Not changed", doing="change"))
    if outcome.moved:
        blocks.append(ids_section(f"*Ends at {when} now ({moved}),* each with the end it had:", [
            f"{downtime_link(d, ui_url)} (was {slack_date(d.end, 'no end')})" for d in outcome.moved]))
    if outcome.cancelled:
        blocks.append(ids_section(f"*Cancelled ({cancelled}):* scheduled to start after that time:",
                                  [downtime_link(d, ui_url) for d in outcome.cancelled]))
    if outcome.already_gone:
        blocks.append(ids_section("*Already gone before the click* (cancelled by someone else or ended meanwhile; "
                                  "Undo leaves them be):", [downtime_link(d, ui_url) for d in outcome.already_gone]))
    if outcome.kept:
        blocks.append(ids_section(f"*Kept, as chosen:* {plural(len(outcome.kept))} starting after that time:",
                                  [downtime_link(d, ui_url) for d in outcome.kept]))
    left = {Fate.EARLIER: "ends earlier anyway", Fate.RECURRING: "recurring (Datadog cannot end an occurrence early)",
            Fate.NO_ID: "listed only by the v1 API (no v2 ID to change it by)"}
    for fate, why in left.items():
        links = [downtime_link(d, ui_url) for d, f in outcome.left if f is fate]
        if links:
            blocks.append(ids_section(f"*Left alone ({len(links)}):* {why}:", links))
    if undo is not None and undo.count:
        blocks.extend(undo_blocks(undo, user_id, what=f"put back {plural(undo.count)}",
                                   detail="Puts back the end each had before, and creates again any cancelled "
                                          "(with new IDs)."))
    elif no_undo and changed:
        blocks.append(context(f"No Undo button: {no_undo}"))
    blocks.extend(event_footer(event))
    return message(summary.split(" ", 1)[1].replace("`", ""), *blocks)
