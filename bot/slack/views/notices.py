"""Every short answer the bot gives: help, refusals, "cancelling…", "kept", "expired", lookups that failed. Pure.

Anything that came from a user or from Datadog passes through `escape` or `quote`, so it can never
become a mention, a link or a broadcast.
"""

from __future__ import annotations

from collections.abc import Callable

from bot import COMMAND
from bot.audit import Reason
from bot.domain.scope import EXAMPLE, ScopeError, Selection
from bot.domain.selection import Target
from bot.domain.when import Deadline, WhenError
from bot.errors import DatadogError
from bot.slack.views.blocks import Message, context, deadline_text, escape, message, section
from bot.slack.views.explain import explain, retry_notice
from bot.usecases.access import Act, Refusal

# The plain answers to a request Bolt's listeners never see (the body of a 200, shown to a command's author).
UNKNOWN_WORKSPACE = (
    "The bot cannot confirm which Slack workspace it serves yet: Slack's Web API has not answered it. "
    "Nothing was done. Try again in a minute."
)
FOREIGN = "This bot does not serve this workspace, organisation or app. Nothing was done."
NO_TEAM = (
    "Slack sent this request without saying which workspace you belong to, so the bot cannot tell whether "
    "it serves you. Nothing was done."
)
FAILED = "Something went wrong in the bot, and nothing was done. Try again; if it persists, tell whoever runs the bot."


def help_message() -> Message:
    """Usage, with examples, for `/cancel-downtime` alone or `/cancel-downtime help`."""
    body = (
        f"*`{COMMAND} <scope>`* cancels the Datadog downtimes on exactly that scope, after you confirm.\n"
        "A scope is a list of `key:value` tags separated by commas; every tag is required (AND).\n\n"
        "*Examples*\n"
        f"• `{COMMAND} {EXAMPLE}`\n"
        f"• `{COMMAND} host:web-1.example.com`\n"
        f"• `{COMMAND} {EXAMPLE} -- deploy finished early` gives a reason, shown in the report and the audit log\n"
        f"• `{COMMAND} list` shows the active and scheduled downtimes, grouped by scope\n"
        f"• `{COMMAND} env:prod in 30m`, `… at 14:30` (your Slack time zone), `… at 2026-12-02 09:00 UTC` "
        "ends them then instead of now\n"
        f"• `{COMMAND} env:staging, team:payments`\n"
        f"• `{COMMAND} monitor 1234`, or a pasted monitor link: every active downtime silencing that monitor, "
        "whatever its scope\n"
        f"• `{COMMAND} 5678` (a downtime ID, or its link from Datadog): that downtime\n"
        "• the message shortcut *What's muting this?* on an alert message, and the bot's *Home* tab\n\n"
        "Before anything is cancelled you see exactly which downtimes match, active and scheduled, and confirm "
        "with a button; the channel report then has an Undo button for a while.\n"
        "Matching is exact: a downtime on `env:prod,service:api` is not cancelled by `env:prod`; the "
        "preview then shows such near misses with the command that would cancel them.\n"
        "Not supported: OR, NOT, wildcards (`*`), quotes, and tags without a value."
    )
    return message(f"Usage: {COMMAND} key:value[,key:value...], e.g. {COMMAND} {EXAMPLE}", section(body))


def invalid_scope(error: ScopeError) -> Message:
    """Why the text is not a scope (or not a monitor or downtime the bot can look up), and how to write one."""
    what = "a monitor or downtime I can look up" if error.about == "target" else "a scope I can cancel"
    body = f":warning: *That is not {what}.* {escape(error.reason)}\n{escape(error.hint)}"
    return message(
        escape(f"{'Not a valid scope' if error.about == 'scope' else 'Not ' + what}: {error.reason} {error.hint}"),
        section(body),
        context(f"Nothing was sent to Datadog. `{COMMAND} help` shows examples."),
    )


def refused(refusal: Refusal, act: Act = Act.CANCEL) -> Message:
    """The person or the access policy said no, in words that name the rule and what was not done."""
    text = f":no_entry: {_REFUSALS[refusal.code](refusal)} {NOT_DONE[act]}"
    return message(text, section(text))


NOT_DONE: dict[Act, str] = {
    Act.CANCEL: "Nothing was cancelled.",
    Act.LIST: "Nothing was listed.",
    Act.KEEP: "Nothing was changed: the prompt stays for its requester.",
    Act.UNDO: "Nothing was re-created.",
}

_REFUSALS: dict[Reason, Callable[[Refusal], str]] = {
    Reason.POLICY_CHANNEL: lambda _: "This bot cannot be used in this channel. Ask in your team's on-call channel.",
    Reason.POLICY_USER: lambda _: "You are not on the list of people allowed to use this bot.",
    Reason.POLICY_PROTECTED: lambda r: (
        ", ".join(f"`{t}`" for t in r.tags) + " is protected: only its named owners may act on its downtimes."
    ),
    Reason.MEMBERSHIP_UNVERIFIED: lambda _: (
        "Slack could not confirm your user group membership just now. Try again shortly."
    ),
    Reason.GUEST: lambda _: (
        "Guest accounts cannot use this bot. Ask a full member of the workspace, or whoever runs the bot."
    ),
    Reason.EXTERNAL: lambda _: (
        "This bot acts only for members of the workspace or organisation it serves, and your account belongs "
        "to another one (a Slack Connect or shared channel)."
    ),
    Reason.BOT_USER: lambda _: "Bot and app accounts cannot use this bot.",
    Reason.DEACTIVATED: lambda _: "This account is deactivated.",
    Reason.PERSON_UNVERIFIED: lambda _: (
        "Slack could not confirm who you are just now, and the bot acts only for people it can place. "
        "Try again shortly."
    ),
}


def store_unavailable() -> Message:
    """The shared confirmation store (Redis) cannot be reached: fail closed."""
    text = (
        ":x: The bot cannot reach its confirmation store right now, so it cannot safely ask for or accept "
        "a confirmation. Nothing was cancelled. Try again in a minute; whoever runs the bot should check REDIS_URL."
    )
    return message(text, section(text))


def other_site(target: Target, site: str) -> Message:
    """A pasted link (or an alert message) from another Datadog site than the one the bot is connected to."""
    where = "several Datadog sites" if target.site == "mixed" else f"the Datadog site `{target.site}`"
    text = (f":globe_with_meridians: That link is to {where}, but this bot is connected to `{site}`, so it cannot "
            "see those monitors or downtimes. Nothing was looked up or cancelled. Use the bot connected to that site, "
            "or cancel it in Datadog.")
    return message(text, section(text))


def no_monitor_link() -> Message:
    """The message shortcut on a message that links no Datadog monitor."""
    text = (":mag: *This message links no Datadog monitor*, so there is nothing to look up. Datadog's alert "
            "notifications link their monitor (`…/monitors/1234`); on other messages, use "
            f"`{COMMAND} monitor 1234` or `{COMMAND} <scope>`.")
    return message(text.replace(":mag: ", "").replace("*", ""), section(text))


def cancelling(scope: Selection, deadline: Deadline | None = None) -> Message:
    """Replaces the prompt once confirmed, so its buttons cannot be clicked again."""
    doing = f"Moving the end of the downtimes {scope.where} to {deadline_text(deadline)}" if deadline \
        else f"Cancelling the downtimes {scope.where}"
    text = f":hourglass_flowing_sand: {doing}…"
    return message(text, section(text))


def invalid_time(error: WhenError) -> Message:
    """Why the time after `in` or `at` cannot be used, and what works."""
    body = f":warning: *That end time cannot be used.* {escape(error.reason)}\n{escape(error.hint)}"
    return message(
        escape(f"End time not used: {error.reason} {error.hint}"),
        section(body),
        context("Nothing was sent to Datadog. Without `in` or `at`, the command cancels the downtimes now."),
    )


def deadline_passed(scope: Selection, deadline: Deadline) -> Message:
    """A click on an end-later prompt whose time is now less than a minute away, or past."""
    text = (
        f":alarm_clock: {deadline_text(deadline)} is now less than a minute away, or past, so the downtimes "
        f"{scope.where} cannot be set to end then. Nothing was changed. Run `{COMMAND} {scope.canonical}` "
        "to cancel them now, or give a later time."
    )
    return message(text, section(text))


def retrying(scope: Selection, error: DatadogError, wait: float) -> Message:
    """Replaces "Cancelling…" while a Datadog call waits `wait` seconds to be retried after `error`."""
    notice = escape(retry_notice(error, wait))
    text = f":hourglass_flowing_sand: Cancelling the downtimes {scope.where}… {notice}."
    return message(text, section(text))


def kept(scope: Selection, ending: bool = False) -> Message:
    """Replaces the prompt when the requester chose to keep the downtimes (`ending`: an end-later prompt)."""
    text = f"Kept the downtimes {scope.where}. Nothing was {'changed' if ending else 'cancelled'}."
    return message(text, section(text))


def not_requester(requester_id: str) -> Message:
    """For someone who clicks another person's confirmation."""
    text = (
        f":no_entry: Only <@{escape(requester_id)}>, who asked for this cancellation, can confirm it. "
        f"Run `{COMMAND}` yourself to cancel downtimes."
    )
    return message(text, section(text))


def expired(scope: Selection, ttl_seconds: float) -> Message:
    """For a click on a prompt older than the confirmation lifetime."""
    minutes = max(1, round(ttl_seconds / 60))
    text = (
        f":alarm_clock: This confirmation expired (prompts are valid for {minutes} minutes). "
        f"Nothing was cancelled. Run `{COMMAND} {scope.canonical}` again."
    )
    return message(text, section(text))


def already_handled() -> Message:
    """For a second click, a replay, or a click on a prompt this bot no longer knows."""
    text = (
        ":information_source: This confirmation is no longer pending: it was already used, it expired, "
        f"or the bot restarted. Nothing more was cancelled. Run `{COMMAND}` again if you still need to."
    )
    return message(text, section(text))


def other_replica(act: Act) -> Message:
    """For a click on a button another copy of the bot made, running at the same time without REDIS_URL."""
    text = (
        ":warning: This button was made by another copy of this bot, running at the same time, and the copies do "
        f"not share what their buttons do (no `REDIS_URL`), so the one that received your click cannot act on it. "
        f"{NOT_DONE[act]} Ask whoever runs the bot to set `REDIS_URL` or run a single replica; then run "
        f"`{COMMAND}` again."
    )
    return message(text, section(text))


def undo_expired(ttl_seconds: float) -> Message:
    """For an Undo click after its window."""
    minutes = max(1, round(ttl_seconds / 60))
    text = (
        f":alarm_clock: The undo window has passed (Undo works for {minutes} minutes after a cancel). "
        "Nothing was created; create the downtimes again in Datadog if you still need them."
    )
    return message(text, section(text))


def undo_gone() -> Message:
    """For a second Undo click, a replay, or an Undo this bot no longer knows."""
    text = (
        ":information_source: This Undo is no longer available: it was already used, or the bot restarted "
        "(without Redis). Nothing more was created."
    )
    return message(text, section(text))


def lookup_failed(scope: Selection | None, error: DatadogError) -> Message:
    """The downtimes could not be looked up (for a preview, no button is offered)."""
    what = f"the downtimes {scope.where}, so nothing can be cancelled yet" if scope else "the downtimes"
    text = f":x: Could not look up {what}. {explain(error)}"
    return message(text, section(text))
