"""The fake Datadog of the tests: the sandbox's Datadog (`bot.sandbox.datadog`, one simulator for the demo and
the tests), its request bodies checked against Datadog's OpenAPI, and the faults a test injects."""

from __future__ import annotations

import asyncio

from aiohttp import web

from bot.sandbox.datadog import SandboxDatadog
from tests.fakes.server import ConnectionReset, Reply, answer
from tests.spec import request_errors


class FakeDatadog(SandboxDatadog):
    """The sandbox Datadog with faults: replies queued with `reply` are served first; `after_acting` queues
    faults that come once Datadog has done what was asked (the answer is lost, the change made); `always`
    answers one path with one reply; `latency` delays every answer; `most_in_flight` is the most requests it
    held at once. Bodies are checked against the spec where `../shared/` is at hand."""

    def __init__(self, keys: tuple[str, str] | None = None) -> None:
        super().__init__(keys, validate=request_errors)
        self.replies: dict[tuple[str, str], list[Reply]] = {}
        self.defaults: dict[tuple[str, str], Reply] = {}
        self.faults_after_acting: dict[tuple[str, str], list[Reply]] = {}
        self.latency = 0.0
        self.answered = 0  # requests answered so far (after any latency)
        self.in_flight = 0  # requests received and not answered yet
        self.most_in_flight = 0

    def reply(self, method: str, path: str, *replies: Reply) -> None:
        """Answer the next requests to (method, path) with these replies, in order."""
        self.replies.setdefault((method, path), []).extend(replies)

    def after_acting(self, method: str, path: str, *replies: Reply) -> None:
        """Do what the next requests to (method, path) ask, then answer these replies instead of the real answers."""
        self.faults_after_acting.setdefault((method, path), []).extend(replies)

    def always(self, method: str, path: str, reply: Reply) -> None:
        """Answer every request to (method, path) with `reply` (once its keys pass) when no reply is queued."""
        self.defaults[(method, path)] = reply

    async def answer_request(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        key = (request.method, request.path)
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            queue = self.replies.get(key)
            if queue:
                return await answer(queue.pop(0), request)
            if key in self.defaults and not self.forbidden(request):
                return await answer(self.defaults[key])
            response = await super().answer_request(request)
            faults = self.faults_after_acting.get(key)
            if faults:
                response = await answer(faults.pop(0), request)
            return response
        except ConnectionReset:
            return web.Response(status=599)  # never sent: the connection is gone
        finally:
            self.in_flight -= 1
            self.answered += 1

