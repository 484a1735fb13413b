"""Every word a person reads and how it is laid out: Block Kit builders, pure data, within Slack's limits."""
