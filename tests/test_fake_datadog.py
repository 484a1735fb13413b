"""The fake Datadog answers as the recordings in `../shared/datadog-recordings/` show Datadog answering.

The bot's tests are only as true as this fake: each check here puts the fake's answer beside the
recorded one (status, body, shape), or beside what the recorded scenarios (`features/`) state.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest
import yaml

from tests.fakes import FakeDatadog
from tests.helpers import DD_API_KEY, DD_APP_KEY, RECORDINGS

KEYS = {"DD-API-KEY": DD_API_KEY, "DD-APPLICATION-KEY": DD_APP_KEY}


def recorded(name: str, method: str, path_part: str) -> dict[str, Any]:
    path = RECORDINGS / name
    if not path.exists():
        pytest.skip(f"Datadog recordings not found at {RECORDINGS} (checkout outside the workspace)")
    interactions = yaml.safe_load(path.read_text())["interactions"]
    found: dict[str, Any] = next(i for i in interactions
                                 if i["request"]["method"] == method and path_part in i["request"]["uri"])
    return found


def same_answer(response: httpx.Response, interaction: dict[str, Any]) -> None:
    assert response.status_code == interaction["response"]["status"]["code"]
    body = interaction["response"]["body"]["string"]
    assert (response.json() if body else response.content) == (json.loads(body) if body else b"")


@pytest.fixture
async def http(fake_datadog: FakeDatadog) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=fake_datadog.url, headers=KEYS) as client:
        yield client


async def test_unknown_and_malformed_ids_answer_as_recorded(http: httpx.AsyncClient) -> None:
    """404 for an unknown id, 400 for one that is not a UUID, in Datadog's words, v1 and v2."""
    for name, method, part in [
        ("v2-test_get_a_downtime_returns_bad_request_response.yaml", "GET", "INVALID_UUID_LENGTH"),
        ("v2-test_get_a_downtime_returns_not_found_response.yaml", "GET", "/api/v2/downtime/"),
        ("v1-test_get_a_downtime_returns_downtime_not_found_response.yaml", "GET", "/api/v1/downtime/0"),
        ("v1-test_cancel_a_downtime_returns_downtime_not_found_response.yaml", "DELETE", "/api/v1/downtime/0"),
    ]:
        interaction = recorded(name, method, part)
        same_answer(await http.request(method, httpx.URL(interaction["request"]["uri"]).path), interaction)


async def test_cancel_by_scope_answers_as_recorded_newest_first(
    http: httpx.AsyncClient, fake_datadog: FakeDatadog
) -> None:
    """Nothing on the scope: the recorded 404. Several: every ID, the newest first."""
    missing = recorded("v1-test_cancel_downtimes_by_scope_returns_downtimes_not_found_response.yaml", "POST",
                       "by_scope")
    same_answer(await http.post("/api/v1/downtime/cancel/by_scope", content=missing["request"]["body"],
                                headers={"Content-Type": "application/json"}), missing)
    older, newer = fake_datadog.add_v1(["env:prod"]), fake_datadog.add_v1(["env:prod"])
    answer = await http.post("/api/v1/downtime/cancel/by_scope", json={"scope": "env:prod"})
    assert answer.json() == {"cancelled_ids": [newer["v1_id"], older["v1_id"]]}


async def test_a_cancelled_v1_downtime_is_disabled_and_cancelling_it_again_is_no_error(
    http: httpx.AsyncClient, fake_datadog: FakeDatadog
) -> None:
    """As recorded: DELETE 204, again 204; the list then shows it canceled, with `disabled: true`."""
    interaction = recorded("v1-test_cancel_a_downtime_returns_ok_response.yaml", "DELETE", "/api/v1/downtime/")
    downtime = fake_datadog.add_v1(["env:prod"])
    for _ in range(2):
        response = await http.delete(f"/api/v1/downtime/{downtime['v1_id']}")
        assert response.status_code == interaction["response"]["status"]["code"] == 204
    (item,) = (await http.get("/api/v1/downtime")).json()
    assert (item["status"], item["disabled"], isinstance(item["canceled"], int)) == ("canceled", True, True)


async def test_the_v1_list_has_the_recorded_shape_and_its_creator_only_when_asked(
    http: httpx.AsyncClient, fake_datadog: FakeDatadog
) -> None:
    """Every field a recorded v1 item has (with_creator=true), and no `creator` without that parameter."""
    listing = recorded("v1-test_get_all_downtimes_returns_ok_response.yaml", "GET", "/api/v1/downtime")
    recorded_keys = set(json.loads(listing["response"]["body"]["string"])[0])
    fake_datadog.add_v1(["env:prod"])
    (with_creator,) = (await http.get("/api/v1/downtime", params={"with_creator": "true"})).json()
    assert recorded_keys - {"org_id"} <= set(with_creator)
    (without,) = (await http.get("/api/v1/downtime")).json()
    assert "creator" not in without


async def test_an_ended_v1_occurrence_chains_to_the_next_as_recorded(
    http: httpx.AsyncClient, fake_datadog: FakeDatadog
) -> None:
    """A v1 daily downtime whose occurrence ended: it is `ended` with a `child_id`; the next occurrence is a
    new downtime, `scheduled`, whose `parent_id` names it (as in the recorded v1 list)."""
    fake_datadog.add_v1(["env:prod"], rrule="FREQ=DAILY", duration=1800)  # began an hour ago: ended
    ended, following = (await http.get("/api/v1/downtime")).json()
    assert (ended["status"], ended["child_id"], ended["parent_id"]) == ("ended", following["id"], None)
    assert (following["status"], following["parent_id"], following["child_id"]) == ("scheduled", ended["id"], None)
    assert following["start"] == ended["start"] + 86400


async def test_an_unknown_attribute_is_refused_in_datadogs_words(http: httpx.AsyncClient) -> None:
    """As recorded for the v2 update: "Additional properties are not allowed ('invalid_field' was unexpected)"."""
    interaction = recorded("v2-test_update_a_downtime_returns_bad_request_response.yaml", "PATCH", "/api/v2/downtime/")
    attributes = {"scope": "env:prod", "monitor_identifier": {"monitor_tags": ["*"]}, "invalid_field": "x"}
    answer = await http.post("/api/v2/downtime", json={"data": {"type": "downtime", "attributes": attributes}})
    same_answer(answer, interaction)


async def test_keys_are_checked_and_every_answer_carries_datadogs_clock(
    http: httpx.AsyncClient, fake_datadog: FakeDatadog
) -> None:
    """No application key: 403 Forbidden (the spec's APIErrorResponse); the validate endpoint needs only the API
    key; every answer has a `Date`, Datadog's clock."""
    refused = await http.get("/api/v2/downtime", headers={"DD-APPLICATION-KEY": "wrong"})
    assert (refused.status_code, refused.json()) == (403, {"errors": ["Forbidden"]})
    assert (await http.get("/api/v1/validate", headers={"DD-APPLICATION-KEY": ""})).json() == {"valid": True}
    fake_datadog.clock_offset = -3600
    answer = await http.get("/api/v2/downtime")
    assert abs(parsedate_to_datetime(answer.headers["Date"]).timestamp() - fake_datadog.now()) < 2


async def test_the_recorded_updates_answer_as_recorded(http: httpx.AsyncClient, fake_datadog: FakeDatadog) -> None:
    """PATCH /api/v2/downtime/{id}, each recorded request sent to the fake: the unknown attribute refused in
    Datadog's words, an unknown id 404 "Downtime not found", and a change answered with the whole downtime."""
    refused = recorded("v2-test_update_a_downtime_returns_bad_request_response.yaml", "PATCH", "/api/v2/downtime/")
    missing = recorded("v2-test_update_a_downtime_returns_downtime_not_found_response.yaml", "PATCH", "/downtime/")
    changed = recorded("v2-test_update_a_downtime_returns_ok_response.yaml", "PATCH", "/api/v2/downtime/")
    record = fake_datadog.add_v2("env:prod", message="test message")
    body = json.loads(refused["request"]["body"])
    body["data"]["id"] = record["uuid"]
    same_answer(await http.patch(f"/api/v2/downtime/{record['uuid']}", json=body), refused)
    path = httpx.URL(missing["request"]["uri"]).path
    same_answer(await http.patch(path, json=json.loads(missing["request"]["body"])), missing)
    body = json.loads(changed["request"]["body"])
    body["data"]["id"] = record["uuid"]
    answer = await http.patch(f"/api/v2/downtime/{record['uuid']}", json=body)
    want = json.loads(changed["response"]["body"]["string"])["data"]["attributes"]
    got = answer.json()["data"]["attributes"]
    assert answer.status_code == changed["response"]["status"]["code"] == 200
    assert got["message"] == want["message"] == "light speed"
    assert set(got) == set(want)  # the whole downtime, as recorded
    assert (got["notify_end_types"], sorted(got["notify_end_states"])) == (want["notify_end_types"],
                                                                         sorted(want["notify_end_states"]))


async def test_an_update_moves_an_end_and_refuses_one_too_close_or_a_cancelled_downtime(
    http: httpx.AsyncClient, fake_datadog: FakeDatadog
) -> None:
    """The schedule's end moves; less than a minute ahead, or on a cancelled downtime, it is a 400 and nothing
    changes (Datadog's documented rule: ends are shortened up to a minute out)."""
    record = fake_datadog.add_v2("env:prod", duration=5 * 3600)
    url = f"/api/v2/downtime/{record['uuid']}"

    def body(end: str | None) -> dict[str, Any]:
        return {"data": {"id": record["uuid"], "type": "downtime", "attributes": {"schedule": {"end": end}}}}

    later = int(fake_datadog.now()) + 1800
    moved = await http.patch(url, json=body(datetime.fromtimestamp(later, UTC).isoformat()))
    assert moved.status_code == 200
    assert record["end"] == later
    assert moved.json()["data"]["attributes"]["schedule"]["end"] == datetime.fromtimestamp(later, UTC).isoformat()
    too_close = await http.patch(url, json=body(datetime.fromtimestamp(fake_datadog.now() + 10, UTC).isoformat()))
    assert too_close.status_code == 400
    assert record["end"] == later
    fake_datadog.cancel(record)
    assert (await http.patch(url, json=body(None))).status_code == 400
    assert record["end"] == later


async def test_events_answer_as_recorded_with_the_api_key_alone(
    http: httpx.AsyncClient, fake_datadog: FakeDatadog
) -> None:
    """POST /api/v1/events: the recorded request is answered 202 with the recorded shape, with the API key
    alone (the spec names only apiKeyAuth); an event too far in the past is refused in Datadog's words."""
    ok = recorded("v1-test_post_an_event_returns_ok_response.yaml", "POST", "/api/v1/events")
    past = recorded("v1-test_post_an_event_in_the_past_returns_bad_request_response.yaml", "POST", "/api/v1/events")
    answer = await http.post("/api/v1/events", json=json.loads(ok["request"]["body"]),
                             headers={"DD-APPLICATION-KEY": ""})
    want = json.loads(ok["response"]["body"]["string"])
    assert answer.status_code == ok["response"]["status"]["code"] == 202
    assert set(answer.json()) == set(want)
    assert set(answer.json()["event"]) == set(want["event"])
    assert answer.json()["event"]["title"] == want["event"]["title"]
    assert fake_datadog.events[0]["tags"] == want["event"]["tags"]
    same_answer(await http.post("/api/v1/events", json=json.loads(past["request"]["body"])), past)
    assert len(fake_datadog.events) == 1
    refused = await http.post("/api/v1/events", json={"title": "t", "text": "x" * 4001})
    assert refused.status_code == 400  # the spec's maxLength
    assert (await http.post("/api/v1/events", json={"text": "t"}, headers={"DD-API-KEY": "wrong"})).status_code == 403
