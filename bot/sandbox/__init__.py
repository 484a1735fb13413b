"""The sandbox: the real bot against a pretend Slack and Datadog on loopback (`python -m bot demo`)."""
