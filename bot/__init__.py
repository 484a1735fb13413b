"""Slack bot that cancels Datadog downtimes with /cancel-downtime, after a confirmation."""

COMMAND = "/cancel-downtime"
