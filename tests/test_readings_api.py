"""POST /api/readings over real HTTP: the token, each validation answer, and a re-sent batch
that is counted as duplicates, not stored twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import aiohttp
import pytest

from bot.app import HouqinApp
from models.energy import Meter, Reading
from models.places import Place
from tests.support import RecordingAdapter, make_settings, seed_small_campus
from tests.test_alerts_api import free_port

TOKEN = "s3cret-readings-token"


async def start_app(tmp_path, token: str | None, **settings):
    """The app serving HTTP on a free port, with the small campus and two meters."""
    port = free_port()
    app = HouqinApp(make_settings(tmp_path, http_port=port, readings_api_token=token,
                                  **settings), extra_adapters=[RecordingAdapter()])
    await app.start(schema="generate")
    await seed_small_campus()
    await Meter.create(code="E-3-402", kind="electricity", unit="kWh",
                       place=await Place.get(code="3-402"))
    await Meter.create(code="W-3-402", kind="water", unit="m³",
                       place=await Place.get(code="3-402"))
    return app, f"http://127.0.0.1:{port}/api/readings"


@pytest.fixture
async def api(tmp_path):
    """(endpoint URL, HTTP session)."""
    app, url = await start_app(tmp_path, TOKEN)
    async with aiohttp.ClientSession() as http:
        yield url, http
    await app.stop()


async def post(http, url, body=None, token: str | None = TOKEN, raw: bytes | None = None):
    """POST and return (status, JSON answer)."""
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    if raw is not None:
        headers["Content-Type"] = "application/json"
        async with http.post(url, data=raw, headers=headers) as response:
            return response.status, await response.json()
    async with http.post(url, json=body, headers=headers) as response:
        return response.status, await response.json()


# one base for the whole module, so a test running across the hour still names one moment twice
BASE_HOUR = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def hour(back: int) -> str:
    """An ISO timestamp in +08:00, `back` hours before the hour the tests started in."""
    moment = BASE_HOUR
    return (moment - timedelta(hours=back)).astimezone(timezone(timedelta(hours=8))).isoformat()


def batch(*items: dict) -> dict:
    """A request body."""
    return {"readings": list(items)}


GOOD = batch(
    {"meter": "E-3-402", "kind": "electricity", "ts": hour(2), "value": 1234.5},
    {"meter": "E-3-402", "kind": "electricity", "ts": hour(1), "value": 1235.25},
    {"meter": "W-3-402", "ts": hour(1), "value": "88.125"},
)


async def test_token_is_required(api):
    url, http = api
    status, answer = await post(http, url, GOOD, token=None)
    assert status == 401 and "missing bearer token" in answer["error"]
    status, answer = await post(http, url, GOOD, token="wrong")
    assert status == 401 and answer["error"] == "invalid token"
    status, answer = await post(http, url, GOOD, token=TOKEN + "x")
    assert status == 401
    async with http.post(url, json=GOOD, headers={"Authorization": f"Basic {TOKEN}"}) as resp:
        assert resp.status == 401 and resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert await Reading.all().count() == 0


async def test_without_a_configured_token_the_api_is_off(tmp_path):
    app, url = await start_app(tmp_path, None)
    try:
        async with aiohttp.ClientSession() as http:
            status, answer = await post(http, url, GOOD, token="anything")
        assert status == 401 and "HOUQIN_READINGS_API_TOKEN" in answer["error"]
        assert await Reading.all().count() == 0
    finally:
        await app.stop()


async def test_a_batch_is_stored_and_a_resent_one_is_not_counted_twice(api):
    url, http = api
    status, answer = await post(http, url, GOOD)
    assert status == 200
    assert answer == {"ok": True, "accepted": 3, "duplicates": 0, "conflicts": 0}
    status, answer = await post(http, url, GOOD)
    assert status == 200 and answer["accepted"] == 0 and answer["duplicates"] == 3
    changed = batch({"meter": "E-3-402", "ts": hour(1), "value": 9999},
                    {"meter": "E-3-402", "ts": hour(0), "value": 1236})
    status, answer = await post(http, url, changed)
    assert (answer["accepted"], answer["duplicates"], answer["conflicts"]) == (1, 0, 1)
    assert await Reading.all().count() == 4
    kept = await Reading.get(meter__code="E-3-402", value=1235.25)
    assert kept.source == "api"  # the first value stays
    repeated = batch(*[{"meter": "W-3-402", "ts": hour(3), "value": 5}] * 2)
    status, answer = await post(http, url, repeated)
    assert (answer["accepted"], answer["duplicates"]) == (1, 1)


@pytest.mark.parametrize("item, reason", [
    ({"meter": "E-9-999", "ts": hour(1), "value": 1}, "readings[1]: unknown meter 'E-9-999'"),
    ({"meter": "E-3-402", "kind": "water", "ts": hour(1), "value": 1},
     "readings[1]: kind mismatch: meter E-3-402 measures electricity, not water"),
    ({"meter": "E-3-402", "kind": "gas", "ts": hour(1), "value": 1}, "kind must be one of"),
    ({"meter": "E-3-402", "ts": "yesterday", "value": 1}, "bad timestamp 'yesterday'"),
    ({"meter": "E-3-402", "ts": "2026-11-30T02:00:00", "value": 1}, "needs a UTC offset"),
    ({"meter": "E-3-402", "ts": 1764439200, "value": 1}, "timestamp must be an ISO 8601"),
    ({"meter": "E-3-402", "ts": hour(-3), "value": 1}, "is in the future"),
    ({"meter": "E-3-402", "ts": hour(1), "value": "lots"}, "value 'lots' is not a number"),
    ({"meter": "E-3-402", "ts": hour(1), "value": True}, "value must be a number"),
    ({"meter": "E-3-402", "ts": hour(1), "value": -4}, "must be a finite number from 0"),
    ({"meter": "E-3-402", "ts": hour(1)}, "readings[1]: missing value"),
    ({"meter": "E-3-402", "ts": hour(1), "value": 1, "unit": "kWh"}, "unknown field(s): unit"),
    ("E-3-402", "readings[1]: must be an object"),
])
async def test_a_bad_reading_refuses_the_whole_batch_with_the_reason(api, item, reason):
    url, http = api
    good = {"meter": "W-3-402", "ts": hour(1), "value": 10}
    status, answer = await post(http, url, batch(good, item))
    assert status == 400 and answer["ok"] is False
    assert reason in answer["error"]
    assert await Reading.all().count() == 0


async def test_bad_bodies(api):
    url, http = api
    status, answer = await post(http, url, raw=b"{not json")
    assert status == 400 and answer["error"] == "body is not valid JSON"
    status, answer = await post(http, url, {"data": []})
    assert status == 400 and "readings" in answer["error"]
    status, answer = await post(http, url, batch())
    assert status == 400 and "non-empty list" in answer["error"]
    many = batch(*[{"meter": "W-3-402", "ts": hour(n), "value": n} for n in range(5001)])
    status, answer = await post(http, url, many)
    assert status == 400 and "too many readings: 5001 (at most 5000" in answer["error"]
    huge = b'{"readings": [' + b" " * 1_300_000 + b"]}"
    status, answer = await post(http, url, raw=huge)
    assert status == 400 and "body larger than" in answer["error"]
    assert await Reading.all().count() == 0


async def test_a_full_batch_arrives_whole(api):
    url, http = api
    readings = [{"meter": "W-3-402", "kind": "water", "ts": hour(n), "value": 10_000 - n}
                for n in range(1, 5001)]
    status, answer = await post(http, url, batch(*readings))
    assert status == 200 and answer["accepted"] == 5000
    assert await Reading.filter(meter__code="W-3-402").count() == 5000


async def test_a_deeply_nested_body_is_400_not_500(api):
    url, http = api
    status, answer = await post(http, url, raw=b"[" * 100_000 + b"]" * 100_000)
    assert status == 400 and "nested deeper" in answer["error"]
    status, _ = await post(http, url, raw=b'{"readings": ' + b"[" * 50 + b"]" * 50 + b"}")
    assert status == 400
