"""Cancel, Slack-free: end exactly the downtimes a prompt showed, and say what happened to each."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.datadog.api import DowntimeAPI
from bot.domain.downtimes import Downtime
from bot.domain.scope import Scope
from bot.errors import DatadogError

MAX_PARALLEL_DELETES = 8


@dataclass
class CancelOutcome:
    """What happened to each targeted downtime, and anything Datadog did beyond the preview."""

    cancelled: list[Downtime] = field(default_factory=list)
    failed: list[tuple[Downtime, DatadogError]] = field(default_factory=list)
    already_gone: list[Downtime] = field(default_factory=list)
    probably_cancelled: list[Downtime] = field(default_factory=list)  # by an attempt whose answer was lost
    unexpected_ids: list[int] = field(default_factory=list)
    scope_error: DatadogError | None = None  # cancel/by_scope itself failed (the v1 matches are in `failed`)
    kept: list[Downtime] = field(default_factory=list)  # shown, and left alone by the requester's choice
    no_id: list[Downtime] = field(default_factory=list)  # could not be cancelled by ID: Datadog gave none

    @property
    def asked(self) -> int:
        """How many downtimes the click set out to cancel."""
        return len(self.cancelled) + len(self.probably_cancelled) + len(self.failed) + len(self.already_gone) \
            + len(self.no_id)


async def cancel(
    api: DowntimeAPI, scope: Scope, matches: tuple[Downtime, ...], *, only_active: bool = False
) -> CancelOutcome:
    """Cancel the previewed downtimes, and say what happened to each, in their order.

    All of them: v1 through cancel/by_scope (which also ends scheduled ones on the scope), v2 by id,
    concurrently. A v1 downtime that cancel/by_scope did not cancel but that has a v2 id (created
    through v2, which cancel/by_scope cannot see, or cancelled by an attempt whose answer was lost)
    is then cancelled by that id, which Datadog answers with 204 whether or not it was still active.

    `only_active`: the active ones only, each by its v2 id (a v1 downtime's `uuid`), so that the
    scheduled ones on the same scope, which cancel/by_scope would end too, are left alone.
    """
    outcome = CancelOutcome()
    gate = asyncio.Semaphore(MAX_PARALLEL_DELETES)

    async def by_id(downtime: Downtime, v2_id: str) -> None:
        async with gate:
            try:
                found = await api.cancel_v2(v2_id)
            except DatadogError as error:
                outcome.failed.append((downtime, error))
                return
        (outcome.cancelled if found else outcome.already_gone).append(downtime)

    async def by_scope(v1: list[Downtime]) -> None:
        if not v1:
            return
        try:
            answer = await api.cancel_by_scope(scope.canonical)
        except DatadogError as error:
            outcome.scope_error = error
            outcome.failed.extend((d, error) for d in v1)
            return
        ids = set(answer.ids)
        previewed = {d.v1_id for d in v1}
        outcome.unexpected_ids.extend(sorted(i for i in ids if i not in previewed))
        outcome.cancelled.extend(d for d in v1 if d.v1_id in ids)
        missed = [d for d in v1 if d.v1_id not in ids]
        # After a failed attempt, "nothing found" most likely means that attempt cancelled them.
        gone = outcome.probably_cancelled if answer.after_failure and not ids else outcome.already_gone
        gone.extend(d for d in missed if not d.v2_id)
        await asyncio.gather(*(by_id(d, d.v2_id) for d in missed if d.v2_id))

    if only_active:
        targets = [d for d in matches if d.status == "active"]
        outcome.kept.extend(d for d in matches if d.status != "active")
        outcome.no_id.extend(d for d in targets if not d.v2_id)
        await asyncio.gather(*(by_id(d, d.v2_id) for d in targets if d.v2_id))
    else:
        v1 = [d for d in matches if d.v1_id is not None]
        await asyncio.gather(by_scope(v1), *(by_id(d, d.v2_id) for d in matches if d.v1_id is None and d.v2_id))
    _in_preview_order(outcome, matches)
    return outcome


def _in_preview_order(outcome: CancelOutcome, matches: tuple[Downtime, ...]) -> None:
    position = {d.key: i for i, d in enumerate(matches)}
    for downtimes in (outcome.cancelled, outcome.already_gone, outcome.probably_cancelled, outcome.no_id):
        downtimes.sort(key=lambda d: position.get(d.key, len(position)))
    outcome.failed.sort(key=lambda pair: position.get(pair[0].key, len(position)))
