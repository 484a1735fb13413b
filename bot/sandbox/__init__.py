"""The sandbox: the real bot against a pretend Slack and Datadog on loopback (`python -m bot demo`)."""

DEFAULT_PORT = 3000  # the page's, unless --port says otherwise
