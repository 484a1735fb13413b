"""Slack: payloads into use cases, results into messages; the server, the edge, Socket Mode."""
