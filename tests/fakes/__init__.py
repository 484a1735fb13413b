"""Loopback fakes of Slack (Web API, response_url, Socket Mode) and Datadog that record what they receive."""

from tests.fakes.datadog import FakeDatadog
from tests.fakes.payloads import action_body, command_body, sign
from tests.fakes.server import FakeServer, Recorded, Reply
from tests.fakes.slack import FakeSlack

__all__ = ["FakeDatadog", "FakeServer", "FakeSlack", "Recorded", "Reply", "action_body", "command_body", "sign"]
