"""What the bot does, Slack-free: preview, cancel, undo, and who may do them."""
