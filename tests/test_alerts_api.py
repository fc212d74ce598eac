"""POST /api/alerts over real HTTP: the token, the body's validation, and a raised alert."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest

from bot.app import HouqinApp
from models.alerts import Alert
from models.outbox import OutboxMessage
from tests.support import RecordingAdapter, make_settings, seed_small_campus

TOKEN = "s3cret-alerts-token"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def start_app(tmp_path, token: str | None):
    """The app serving HTTP on a free port, with the small campus."""
    port = free_port()
    adapter = RecordingAdapter()
    app = HouqinApp(
        make_settings(tmp_path, http_port=port, alerts_api_token=token), extra_adapters=[adapter]
    )
    await app.start(schema="generate")
    await seed_small_campus()
    return app, adapter, f"http://127.0.0.1:{port}/api/alerts"


@pytest.fixture
async def api(tmp_path):
    """(app, recording adapter, endpoint URL, HTTP session)."""
    app, adapter, url = await start_app(tmp_path, TOKEN)
    async with aiohttp.ClientSession() as http:
        yield app, adapter, url, http
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


GOOD = {"template": "fire", "audience": "everyone", "details": "3号楼2层烟感报警", "source": "bms"}


async def test_token_is_required(api):
    _, _, url, http = api
    status, answer = await post(http, url, GOOD, token=None)
    assert status == 401 and "missing bearer token" in answer["error"]
    status, answer = await post(http, url, GOOD, token="wrong")
    assert status == 401 and answer["error"] == "invalid token"
    async with http.post(url, json=GOOD, headers={"Authorization": f"Basic {TOKEN}"}) as resp:
        assert resp.status == 401
    async with http.get(url, headers={"Authorization": f"Bearer {TOKEN}"}) as resp:
        assert resp.status == 405
    assert await Alert.all().count() == 0


async def test_without_a_configured_token_the_api_is_off(tmp_path):
    app, _, url = await start_app(tmp_path, None)
    try:
        async with aiohttp.ClientSession() as http:
            status, answer = await post(http, url, GOOD, token="anything")
        assert status == 401 and "HOUQIN_ALERTS_API_TOKEN" in answer["error"]
    finally:
        await app.stop()


@pytest.mark.parametrize(
    ("body", "raw", "reason"),
    [
        (None, b"{not json", "not valid JSON"),
        (None, b"[1, 2]", "must be a JSON object"),
        ({**GOOD, "priority": 1}, None, "unknown field(s): priority"),
        ({**GOOD, "template": "meteor"}, None, "template must be one of"),
        ({**GOOD, "audience": None}, None, "audience must be"),
        ({**GOOD, "audience": {"kind": "galaxy"}}, None, "audience.kind must be one of"),
        ({**GOOD, "audience": {"kind": "place", "value": "火星"}}, None, "can't find the place"),
        ({**GOOD, "audience": {"kind": "role", "value": "pilot"}}, None, "Unknown role"),
        ({**GOOD, "audience": {"kind": "people", "value": ["张三", "谁"]}}, None, "unknown people"),
        ({**GOOD, "template": "custom", "details": " "}, None, "custom notice needs its text"),
        ({**GOOD, "details": "长" * 1001}, None, "too long"),
        ({**GOOD, "evacuation": "yes"}, None, "evacuation must be true or false"),
        ({**GOOD, "source": 7}, None, "source must be a string"),
    ],
)
async def test_bad_bodies_get_400_with_the_reason(api, body, raw, reason):
    _, _, url, http = api
    status, answer = await post(http, url, body, raw=raw)
    assert status == 400 and reason in answer["error"], answer
    assert await Alert.all().count() == 0


async def test_a_building_system_raises_an_alert(api):
    app, adapter, url, http = api
    body = {**GOOD, "audience": {"kind": "people", "value": ["张三", "13800000002"]}}
    status, answer = await post(http, url, body)
    assert status == 201 and answer["recipients"] == 2 and answer["evacuation"] is True
    alert = await Alert.get(id=answer["id"])
    assert alert.source == "api:bms" and alert.created_by_id is None
    for _ in range(200):
        await app.notifier.store.flush()
        if not await OutboxMessage.filter(status__in=("pending", "sending")).exists():
            break
        await asyncio.sleep(0.01)
    texts = {a.chat_id: r.text for a, r in adapter.sent}
    assert "火警" in texts["student"] and "3号楼2层烟感报警" in texts["student"]
    assert "Fire alarm" in texts["student2"]
    assert "api:bms" in texts["manager"]  # managers are told a system raised it
    assert "worker" not in texts


async def test_a_deeply_nested_body_is_400_not_500(api):
    _app, _adapter, url, http = api
    status, answer = await post(http, url, raw=b"[" * 100_000 + b"]" * 100_000)
    assert status == 400  # over the size limit
    status, answer = await post(http, url, raw=b"[" * 30_000 + b"]" * 30_000)
    assert status == 400 and "nested deeper" in answer["error"]
    nested = b'{"template": "fire", "details": ' + b"[" * 40 + b"]" * 40 + b"}"
    status, answer = await post(http, url, raw=nested)
    assert status == 400


async def test_an_idempotency_key_raises_one_alert_however_often_it_is_sent(api):
    import asyncio

    from models.alerts import Alert

    _app, _adapter, url, http = api
    headers = {"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": "bms-2026-12-03-0001"}

    async def send(body=GOOD, extra=headers):
        async with http.post(url, json=body, headers=extra) as response:
            return response.status, await response.json()

    results = await asyncio.gather(*(send() for _ in range(10)))
    assert await Alert.all().count() == 1
    first = next(answer for status, answer in results if status == 201)
    replayed = [answer for status, answer in results if status == 200]
    assert all(a["id"] == first["id"] and a["replayed"] for a in replayed)
    assert all(status in (200, 201, 409) for status, _ in results)
    assert (await send())[1]["id"] == first["id"]  # later, still the first alert
    # the "key" field does the same
    status, one = await send({**GOOD, "key": "k-2"}, {"Authorization": f"Bearer {TOKEN}"})
    again = await send({**GOOD, "key": "k-2"}, {"Authorization": f"Bearer {TOKEN}"})
    assert status == 201 and again[0] == 200 and again[1]["id"] == one["id"]
    assert await Alert.all().count() == 2


async def test_a_refused_request_does_not_use_up_its_key(api):
    from models.alerts import Alert

    _app, _adapter, url, http = api
    headers = {"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": "retry-me"}
    bad = {**GOOD, "audience": {"kind": "place", "value": "no-such-place"}}
    async with http.post(url, json=bad, headers=headers) as response:
        assert response.status == 400
    async with http.post(url, json=GOOD, headers=headers) as response:
        assert response.status == 201
    async with http.post(url, json=GOOD, headers={**headers, "Idempotency-Key": "has space"}
                         ) as response:
        assert response.status == 400 and "idempotency key" in (await response.json())["error"]
    assert await Alert.all().count() == 1


async def test_the_managers_notice_is_queued_ahead_of_the_broadcast(api):
    _, _, url, http = api
    status, _ = await post(http, url, GOOD)  # everyone, the manager included
    assert status == 201
    rows = await OutboxMessage.all().order_by("priority", "id")
    manager_rows = [r for r in rows if r.chat_id == "manager"]
    notice = next(r for r in manager_rows if "api:bms" in r.payload.get("text", ""))
    broadcast = [r for r in rows if r.chat_id != "manager" or r.id != notice.id]
    assert all(notice.id < r.id for r in broadcast if r.priority >= notice.priority)
    assert rows.index(notice) == 0  # the first thing sent
