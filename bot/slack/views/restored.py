"""The report after an Undo: what is back (new IDs, or ends put back), what is not and why, and a retry. Pure.

It replaces the cancel report it was clicked on; as bounded as every message.
"""

from __future__ import annotations

from typing import Any

from bot.domain.scope import Selection
from bot.domain.undo_plan import Skip, Why
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
    slack_date,
)
from bot.slack.views.explain import explain
from bot.slack.views.report import MAX_REASONS, EventNote, UndoOffer, event_footer
from bot.usecases.undo import RestoreOutcome


def restore_report(
    clicker_id: str, requester_id: str, scope: Selection, reason: str, outcome: RestoreOutcome, ui_url: str,
    *, retry: UndoOffer | None = None, event: EventNote = None, how: str = "",
) -> Message:
    """Replaces the cancel report after an undo: the new IDs, what is back, what was not and why, what could
    not be verified, and a button to try the failed ones again while the Undo window lasts. `how`: a note on
    how this report was written (after a restart or an interrupted stop)."""
    who = f"<@{quote(clicker_id, 30)}>"
    asked = outcome.back + len(outcome.skipped) + len(outcome.failed) + len(outcome.unknown) + \
        len(outcome.not_reached)
    back = outcome.back
    where = scope.where
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
    if how:
        blocks.append(context(how))
    reasons: dict[str, list[str]] = {}
    for downtime, skip in outcome.skipped:
        reasons.setdefault(f"Not restored: {skip_words(skip)}.", []).append(downtime_link(downtime, ui_url))
    for downtime, error in outcome.failed:
        # A failed create whose answer was lost was looked for, and not found: nothing was created.
        reasons.setdefault(explain(error, doing="restore", verified=True), []).append(downtime_link(downtime, ui_url))
    for why, links in sorted(reasons.items(), key=lambda item: -len(item[1]))[:MAX_REASONS]:
        blocks.append(ids_section(f"*Not restored ({len(links)}):* {why}", links))
    lost = [d for d, error in outcome.unknown if error is not None]
    stopped = [d for d, error in outcome.unknown if error is None]
    if lost:
        blocks.append(ids_section(
            f":grey_question: *Not verified ({len(lost)}):* Datadog's answer to the create was lost and "
            "the list could not be read to find out whether it landed. Check in Datadog before creating any again:",
            [downtime_link(d, ui_url) for d in lost],
        ))
    if stopped:
        blocks.append(ids_section(
            f":grey_question: *Not verified ({len(stopped)}):* the bot was stopped before Datadog answered. "
            "Check in Datadog before creating any again:",
            [downtime_link(d, ui_url) for d in stopped],
        ))
    if outcome.not_reached:
        blocks.append(ids_section(
            f"*Not restored ({len(outcome.not_reached)}):* the bot stopped before restoring these; Datadog shows "
            "them not back.",
            [downtime_link(d, ui_url) for d in outcome.not_reached],
        ))
    if outcome.restored:
        blocks.append(ids_section(
            f"*Restored ({len(outcome.restored)}),* cancelled ID → new ID:",
            [f"{d.key} → {id_link(new, ui_url)}" for d, new in outcome.restored],
        ))
    if outcome.put_back:
        blocks.append(ids_section(
            f"*End put back ({len(outcome.put_back)}),* on the same downtimes:",
            [f"{downtime_link(d, ui_url)} (ends {slack_date(d.end, 'never: no end')})" for d in outcome.put_back],
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
            confirm=(f"Restore {again}?", f"Creates {again} again (with new IDs).", "Restore"),
        )]})
        blocks.append(context(f"Datadog shows these were not created; the button works for "
                              f"{max(1, round(retry.ttl_seconds / 60))} more minutes."))
    blocks.extend(event_footer(event))
    return message(summary.split(" ", 1)[1].replace("`", ""), *blocks)


def skip_words(skip: Skip) -> str:
    """Why a downtime is not restored, as the report says it."""
    if skip.why is Why.ENDED and skip.ended is not None:
        return f"its end ({skip.ended:%Y-%m-%d %H:%M} UTC) has passed"
    return {
        Why.NOT_CAPTURED: "the bot did not capture enough of it to create it again",
        Why.ENDED: "its end has passed",
        Why.NO_OCCURRENCE_LEFT: "its recurrence has no occurrence left",
        Why.GONE_SINCE: "it was cancelled or ended in Datadog since",
    }[skip.why]
