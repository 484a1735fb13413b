"""Datadog: the only place with its URLs, headers and status codes; typed errors, never sentences."""
