"""The answer to a scope: the prompt listing what the red button cancels, or the near misses. Pure.

Everything from Datadog (messages, creators, scopes) is escaped. Every message stays within Slack's
limits whatever the input: lists show a bounded number of entries and count the rest, reasons come
before the IDs they explain, and nothing is cut mid-link.
"""

from __future__ import annotations

from typing import Any

from bot import COMMAND
from bot.domain import notify
from bot.domain.downtimes import Downtime
from bot.domain.ending import Ending
from bot.domain.scope import Selection
from bot.domain.selection import Target
from bot.domain.when import Deadline
from bot.slack.views import targets
from bot.slack.views.action_ids import (
    CONFIRM_ACTION,
    CONFIRM_ACTIVE_ACTION,
    CONFIRM_ACTIVE_NOTIFY_ACTION,
    CONFIRM_NOTIFY_ACTION,
    END_ACTION,
    END_KEEP_LATER_ACTION,
    KEEP_ACTION,
    PREVIEW_ACTION,
)
from bot.slack.views.blocks import (
    ROOM,
    Message,
    button,
    context,
    deadline_short,
    deadline_text,
    downtime_link,
    ids_section,
    join_within,
    message,
    plural,
    quote,
    section,
    slack_date,
)
from bot.slack.views.describe import MAX_SHOWN, describe, described
from bot.usecases.preview import Preview

SHORT_SCOPE = 300  # longer scopes are not spelled out tag by tag a second time
AND_RULE = (
    "Datadog cancels each downtime whose scope is *exactly* these tags, all of them together: "
    "a downtime on more tags, or on fewer, is left alone."
)


def _and_rule(scope: Selection) -> str:
    """What the buttons act on: a scope's exact tags, or, chosen by monitor or ID, the downtimes listed, by ID."""
    if isinstance(scope, Target):
        return _by_id_rule(scope)
    if len(scope.canonical) <= SHORT_SCOPE:
        return "That is " + " AND ".join(f"`{tag}`" for tag in scope.tags) + f". {AND_RULE}"
    return f"That is all {len(scope.tags)} tags together. {AND_RULE}"


def _by_id_rule(target: Target) -> str:
    chosen = "by monitor" if target.kind == "monitor" else "by ID"
    rule = (f"Chosen {chosen}, not by scope: the buttons act on exactly the downtimes listed here, each by its ID "
            "(never Datadog's cancel-by-scope), so nothing not shown is touched.")
    if target.kind == "monitor":
        rule += (" Datadog lists the *active* downtimes silencing a monitor, whatever their scope; one scheduled to "
                 f"start later is not among them (`{COMMAND} list` shows those).")
    return rule


def _head(target: Selection, names: tuple[str, ...] = ()) -> str:
    """The selection as a prompt's title names it: "on `env:prod`", "silencing monitor `12` (CPU high)"."""
    shown = [quote(n, 80) for n in names if n]
    return target.where + (f" ({', '.join(shown)})" if shown else "")


def confirmation_prompt(
    preview: Preview, confirmation_id: str, ttl_seconds: float, ui_url: str, *, reason: str = "",
    notify_states: tuple[str, ...] = notify.STATES, notify_default: bool = False,
) -> Message:
    """The ephemeral question, listing everything the red button will cancel: active and scheduled; and
    whether Datadog will notify, with the choice to make it (`notify_default`: the red button does)."""
    scope, count = preview.scope, len(preview.matches)
    active, scheduled = preview.active, preview.scheduled
    recurring = sum(1 for d in preview.matches if d.recurrence)
    minutes = max(1, round(ttl_seconds / 60))
    split = f"{len(active)} active now, {len(scheduled)} scheduled" if scheduled else plural(count) + " active now"
    why = f"\n*Reason:* {quote(reason, 300)}" if reason else ""
    names = scope.names if isinstance(scope, Target) else ()
    blocks = [section(f"*Cancel {plural(count)} {_head(scope, names)}?* ({split})\n{_and_rule(scope)}{why}")]
    shown = not scope.by_scope  # chosen by monitor or ID: each downtime's own scope is worth seeing
    if recurring:
        blocks.append(section(
            f":repeat: *{recurring} of {'them recurs' if recurring == 1 else 'them recur'}.* Cancelling "
            "a recurring downtime ends all its future occurrences too, not only the current one."
        ))
    if active:
        blocks.append(section(f"*Active now ({len(active)})*"))
        blocks.extend(described(active, ui_url, "active, all cancelled by the red button", with_scope=shown))
    if scheduled:
        blocks.append(section(f"*Scheduled, not started yet ({len(scheduled)})*: Datadog cancels these too"))
        blocks.extend(described(scheduled, ui_url, "scheduled, all cancelled by the red button", with_scope=shown))
    settable = [d for d in preview.matches if notify.can_set(d) and not notify.notifies_for(d, notify_states)]
    blocks.append(_notify_block(preview.matches, notify_states, settable))
    parts = [f"{len(active)} active"] if active else []
    parts += [f"{len(scheduled)} scheduled"] if scheduled else []
    here = "on this scope" if scope.by_scope else "listed"
    ends = " and ".join(parts) + (" downtime" if count == 1 else " downtimes") + f" {here} end now"
    if recurring:
        ends += f", with every future occurrence of the {recurring} recurring"
    states = ", ".join(notify_states)
    quiet = "Datadog sends no notification for alerts already in progress."
    loud = f"Datadog is first set to notify for the monitors they silenced that are in {states}."
    all_label = f"Cancel {'all ' if scheduled and active else ''}{plural(count)}"
    everything = (f"Cancel {plural(count)}?", f"{ends}. Monitors they silenced will notify again. ")
    some = (f"Cancel {plural(len(active), 'active downtime')}?",
            f"The {plural(len(scheduled), 'scheduled downtime')} {here} {'is' if len(scheduled) == 1 else 'are'}"
            " kept. Monitors covered only by the active ones will notify again. ")
    buttons = []
    if settable and notify_default:
        buttons.append(button(CONFIRM_NOTIFY_ACTION, f"{all_label} and notify", confirmation_id, danger=True,
                              confirm=(everything[0], everything[1] + loud, "Cancel and notify")))
        if active and scheduled:
            buttons.append(button(CONFIRM_ACTIVE_NOTIFY_ACTION, f"Cancel only the {len(active)} active and notify",
                                  confirmation_id, confirm=(some[0], some[1] + loud, "Cancel and notify")))
        buttons.append(button(CONFIRM_ACTION, "Cancel, notify settings unchanged", confirmation_id,
                              confirm=(everything[0], everything[1] + quiet, "Cancel them")))
    else:
        buttons.append(button(CONFIRM_ACTION, all_label, confirmation_id, danger=True,
                              confirm=(everything[0], everything[1] + quiet, "Cancel them")))
        if active and scheduled:
            buttons.append(button(CONFIRM_ACTIVE_ACTION, f"Cancel only the {len(active)} active", confirmation_id,
                                  confirm=(some[0], some[1] + quiet, "Cancel active ones")))
        if settable:
            buttons.append(button(CONFIRM_NOTIFY_ACTION, "Cancel and notify for alerting monitors", confirmation_id,
                                  confirm=(everything[0], everything[1] + loud, "Cancel and notify")))
    buttons.append(button(KEEP_ACTION, "Keep downtimes", confirmation_id))
    return message(
        f"Cancel {plural(count)} {scope.where}? ({split}) Use the buttons (they expire in {minutes} min).",
        *blocks,
        {"type": "actions", "block_id": "cancel_downtime_decision", "elements": buttons},
        context(f"Only you see this. The buttons expire in {minutes} minutes."),
    )


def _notify_block(matches: tuple[Downtime, ...], states: tuple[str, ...], settable: list[Downtime]) -> dict[str, Any]:
    """Whether cancelling notifies for monitors already alerting, for how many, and what the notify choice changes."""
    loud = [d for d in matches if notify.settings(d).on_cancel]
    fixed = [d for d in matches if not notify.can_set(d) and not notify.notifies_for(d, states)]
    lines = [f":bell: *Notifications:* cancelling by hand makes Datadog notify about monitors already alerting only "
             f"for a downtime set to notify on cancel: {len(loud)} of {len(matches)} "
             f"{'is' if len(loud) == 1 else 'are'}."]
    if settable:
        lines.append(f"*…and notify* first sets {plural(len(settable))} to notify for monitors in "
                     f"{', '.join(states)} (Undo restores their settings).")
    if fixed:
        lines.append(f"{plural(len(fixed))} {'is' if len(fixed) == 1 else 'are'} listed only by Datadog's v1 API: the "
                     "bot cannot change how they notify; each is cancelled with its own settings.")
    return context(" ".join(lines))


def nothing_to_end(scope: Selection, plan: Ending, deadline: Deadline, ui_url: str) -> Message:
    """End later when the click would touch nothing: no buttons, and why each match is left alone."""
    when = deadline_text(deadline)
    return message(f"Nothing {scope.where} to end at {when}: every match is left alone.",
                   section(f":information_source: *Nothing to change {scope.where}* at {when}: "
                           "every matching downtime is left alone, as below."), *_left_alone(plan, ui_url))


def end_prompt(
    scope: Selection, plan: Ending, deadline: Deadline, confirmation_id: str, ttl_seconds: float, ui_url: str, *,
    reason: str = "",
) -> Message:
    """End later: what the click does to each matched downtime (`plan`, some to end or cancel), decided and shown
    before anything happens."""
    minutes = max(1, round(ttl_seconds / 60))
    when, short = deadline_text(deadline), deadline_short(deadline)
    why = f"\n*Reason:* {quote(reason, 300)}" if reason else ""
    head = f"*End {plural(len(plan.move))} {scope.where} at {when}?*" if plan.move else \
        f"*Nothing {scope.where} would still be muting at {when} except what starts later.*"
    shown = not scope.by_scope
    blocks = [section(f"{head} (you wrote `{quote(deadline.said, 60)}`)\n{_and_rule(scope)}{why}")]
    if plan.move:
        blocks.append(section(f"*Ends at {short} {quote(deadline.zone, 40)} instead ({len(plan.move)})*: each end "
                              "moves to that time"))
        blocks.extend(described(plan.move, ui_url, "whose end moves", with_scope=shown))
    if plan.later:
        blocks.append(section(f"*Starts after that time ({len(plan.later)})*: would mute after it. Choose below "
                              "whether to cancel these or keep them."))
        blocks.extend(described(plan.later, ui_url, "starting after that time", with_scope=shown))
    blocks.extend(_left_alone(plan, ui_url))
    buttons = []
    moving = f"End {plural(len(plan.move))} at {short}" if plan.move else ""
    if plan.later:
        label = f"{moving}, cancel {len(plan.later)} starting later" if moving else \
            f"Cancel the {plural(len(plan.later))} starting later"
        buttons.append(button(END_ACTION, label[:75], confirmation_id, danger=True, confirm=(
            "End and cancel?" if moving else "Cancel them?",
            (f"The end of {plural(len(plan.move))} moves to {when}; " if moving else "")
            + f"{plural(len(plan.later))} that would start after it {'is' if len(plan.later) == 1 else 'are'} "
            "cancelled now.", "Do it")))
        if moving:
            buttons.append(button(END_KEEP_LATER_ACTION, f"{moving}, keep the {len(plan.later)} later"[:75],
                                  confirmation_id, confirm=(
                                      "End and keep the later ones?",
                                      f"The end of {plural(len(plan.move))} moves to {when}; the "
                                      f"{plural(len(plan.later))} starting later "
                                      f"{'stays' if len(plan.later) == 1 else 'stay'} scheduled.", "Do it")))
    else:
        buttons.append(button(END_ACTION, moving, confirmation_id, danger=True, confirm=(
            f"End {plural(len(plan.move))} at {short}?",
            f"The end of each moves to {when}; the monitors they silence notify again from then.", "End them then")))
    buttons.append(button(KEEP_ACTION, "Keep downtimes", confirmation_id))
    return message(
        f"End {plural(len(plan.move))} {scope.where} at {when}? Use the buttons (they expire in {minutes} min).",
        *blocks,
        {"type": "actions", "block_id": "cancel_downtime_decision", "elements": buttons},
        context(f"Only you see this. The buttons expire in {minutes} minutes; the time is checked again at the click."),
    )


def _left_alone(plan: Ending, ui_url: str) -> list[dict[str, Any]]:
    """What the click does not touch, and why, each group with its IDs."""
    reasons = (
        (plan.earlier, "Ends earlier anyway, left alone", ""),
        (plan.recurring, "Recurring, left alone", "each occurrence lasts the same, and Datadog cannot end the one "
                         "under way early without cancelling the series. Cancel it now (leave the time out) or edit "
                         "it in Datadog:"),
        (plan.no_id, "Listed only by Datadog's v1 API, left alone", "the bot changes an end through v2, by the "
                     "downtime's v2 ID, which Datadog did not give. Change it in Datadog:"),
    )
    return [ids_section(f"*{head} ({len(group)}):* {why}", [
        f"{downtime_link(d, ui_url)}" + (f" (ends {slack_date(d.end)})" if group is plan.earlier else "")
        for d in group]) for group, head, why in reasons if group]


def no_match(preview: Preview, ui_url: str) -> Message:
    """Nothing to cancel: no buttons; the near misses, one per scope, each with the command that would cancel it.
    Chosen by monitor or ID: which monitors Datadog does not know, or what became of each downtime asked for."""
    scope = preview.scope
    if isinstance(scope, Target):
        return targets.nothing_for(preview, scope, ui_url)
    head = (
        f":information_source: No active or scheduled downtime has exactly the scope `{scope.canonical}`, "
        "so there is nothing to cancel."
    )
    blocks = [section(head)]
    groups = preview.near_misses
    if groups:
        total = sum(len(members) for _, members in groups)
        blocks.append(section(f"*Close, but not the same tags:* {plural(total)} in {plural(len(groups), 'scope')}"))
        for _, members in groups[:MAX_SHOWN]:
            blocks.append(_near_miss(members, ui_url))
        if len(groups) > MAX_SHOWN:
            rest = groups[MAX_SHOWN:]
            blocks.append(context(
                f"…and {plural(len(rest), 'more scope')} ({plural(sum(len(m) for _, m in rest))}). "
                f"`{COMMAND} list` shows them all."
            ))
    else:
        blocks.append(context(f"No downtime shares these tags either. `{COMMAND} list` shows them all."))
    return message(f"No active or scheduled downtime has exactly the scope {scope.canonical}.", *blocks)


def _near_miss(members: tuple[Downtime, ...], ui_url: str) -> dict[str, Any]:
    command = members[0].canonical_scope
    how = f"`{COMMAND} {command}`" if command else "_its scope cannot be typed as a tag list_"
    head = f"{how} ({plural(len(members))})"
    lines = join_within([describe(d, ui_url) for d in members[:3]], ROOM - len(head),
                        separator="\n", what="more on this scope", total=len(members))
    block = section(f"{head}\n{lines}".rstrip())
    if command:
        block["accessory"] = button(PREVIEW_ACTION, "Preview this scope", command)
    return block
