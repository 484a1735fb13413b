"""The tests' fakes: Slack (Web API, response_url, Socket Mode) recording what it receives, the sandbox's Datadog with
faults, and what Slack sends (the sandbox's payloads)."""

from bot.sandbox.payloads import action_body, command_body, sign
from tests.fakes.datadog import FakeDatadog
from tests.fakes.server import FakeServer, Recorded, Reply
from tests.fakes.slack import FakeSlack

__all__ = ["FakeDatadog", "FakeServer", "FakeSlack", "Recorded", "Reply", "action_body", "command_body", "sign"]
