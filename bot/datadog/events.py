"""Datadog's event stream: `POST /api/v1/events`, which the spec authorises with the API key alone."""

from __future__ import annotations

from bot.datadog.http import DatadogHTTP, parse_json, raise_for_status
from bot.errors import DatadogUnexpected

EVENTS = "/api/v1/events"


class EventCalls:
    """The event half of `DatadogClient`."""

    http: DatadogHTTP

    async def post_event(self, title: str, text: str, tags: list[str]) -> str:
        """Post one event, once (a repeat would show twice in the stream); its link, "" if Datadog gave none.

        Datadog answers 202 with the stored event (v1-test_post_an_event_returns_ok_response)."""
        body = {"title": title, "text": text, "tags": tags, "alert_type": "info"}
        response = await self.http.send("POST", EVENTS, json=body, attempts=1, api_key_only=True)
        raise_for_status(response)
        answer = parse_json(response)
        event = answer.get("event") if isinstance(answer, dict) else None
        if not isinstance(event, dict):
            raise DatadogUnexpected("the event answer holds no event", status=response.status_code)
        return str(event.get("url") or "")
