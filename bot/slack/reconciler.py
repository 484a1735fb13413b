"""The reconciler: on start and then periodically, on every replica, finish what another process could not.

A confirmed action's journal entry (a cancel, an end-later or an Undo) is held by its process (a
lease, renewed by `heartbeat`) while that process lives; once the lease lapses (the process died:
SIGKILL, out of memory, a deploy past its grace) or was given up at a stop, the first replica whose
reconciler takes it reads Datadog back and posts the report (`bot.slack.finish.reconciled`, or for an
Undo `bot.slack.restoring.reconciled`). Only with Redis: a journal in memory dies with its process.
"""

from __future__ import annotations

import asyncio
import logging

from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import StoreError
from bot.slack import finish, restoring
from bot.slack.services import Services
from bot.state.journal import RESTORE

log = logging.getLogger(__name__)

class Reconciler:
    """Takes unfinished journal entries nobody holds, and reports them."""

    def __init__(self, services: Services, client: AsyncWebClient, *, interval: float) -> None:
        self.services = services
        self.client = client
        self.interval = interval

    async def once(self) -> int:
        """Finish every entry nobody holds now; how many were finished."""
        journal, done = self.services.journal, 0
        for entry_id in await journal.entries():
            entry = await journal.take(entry_id)
            if entry is None:
                continue
            log.warning("finishing a confirmed %s another process left unreported (scope %s)", entry.kind,
                        entry.scope.canonical)
            await (restoring.reconciled if entry.kind == RESTORE else finish.reconciled)(
                self.services, self.client, entry)
            done += 1
        return done

    async def heartbeat(self) -> None:
        """Renew this process's leases three times per lease, until cancelled."""
        while True:
            await asyncio.sleep(self.services.journal.lease_seconds / 3)
            try:
                await self.services.journal.renew()
            except StoreError as error:
                log.warning("journal leases not renewed (%s)", error)

    async def run(self) -> None:
        """`once` now and every `interval` seconds, until cancelled; a failed round is logged, never fatal."""
        while True:
            try:
                await self.once()
            except StoreError as error:
                log.warning("reconciler: the journal could not be read (%s); trying again in %.0f s",
                            error, self.interval)
            except Exception:  # one bad entry must not stop the reconciler for good
                log.exception("reconciler round failed")
            await asyncio.sleep(self.interval)

    async def at_stop(self, *, shared: bool) -> None:
        """A stop past its grace: give this process's entries up to the other replicas (`shared`), or
        report what is known of each before the process exits (memory)."""
        journal = self.services.journal
        for entry_id in await journal.entries():
            await journal.release(entry_id)
            if shared:
                continue
            entry = await journal.take(entry_id)
            if entry is not None:
                await (restoring.interrupted if entry.kind == RESTORE else finish.interrupted)(
                    self.services, self.client, entry)
