"""The HTTP API for meter systems: `POST /api/readings` stores a batch of meter readings.

    POST /api/readings
    Authorization: Bearer <HOUQIN_READINGS_API_TOKEN>
    {"readings": [{"meter": "E-3-402", "kind": "electricity",
                   "ts": "2026-11-30T02:00:00+08:00", "value": 1234.5}, ...]}

`value` is the meter's cumulative register (what the meter shows), not an interval's use.
`ts` needs a UTC offset. `kind` is optional; when given it must match the meter's kind.
The batch is all or nothing: 200 with {"accepted", "duplicates", "conflicts"} counts (a
reading already stored for the meter and moment is a duplicate, or a conflict when its value
differs: the first value stays); 400 with the reason and the index of the first bad reading;
also for a batch over HOUQIN_READINGS_MAX_BATCH (5000) or a body over 256 bytes per allowed
reading; 401 without the right token, and while HOUQIN_READINGS_API_TOKEN is unset (the API
is off and the answer says so, as for /api/alerts).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.api_auth import bearer_refusal, error, unauthorized
from bot.core.json_body import BadJson, parse_json
from bot.services.energy import RawReading, ReadingError, store, validate

if TYPE_CHECKING:
    from bot.services.container import Services

READINGS_PATH = "/api/readings"
BYTES_PER_READING = 256
FIELDS = {"meter", "kind", "ts", "value"}


class BadRequest(Exception):
    """The body is not a valid batch; the message says why."""


def add_reading_routes(http: web.Application, services: Services) -> None:
    """Mount `POST /api/readings` on the app's aiohttp application."""
    http.router.add_post(READINGS_PATH, ReadingsApi(services).handle)



class ReadingsApi:
    """Authenticates, validates and stores a batch of readings."""

    def __init__(self, services: Services):
        self.services = services
        self.max_batch = services.settings.readings_max_batch
        self.max_body = max(64 * 1024, self.max_batch * BYTES_PER_READING)

    async def handle(self, request: web.Request) -> web.Response:
        """Store the readings of the JSON body."""
        refused = bearer_refusal(request, self.services.settings.readings_api_token, "readings",
                                 "HOUQIN_READINGS_API_TOKEN")
        if refused:
            return unauthorized(refused)
        if request.content_length is not None and request.content_length > self.max_body:
            return error(400, f"body larger than {self.max_body} bytes")
        raw = await self._read(request)
        if raw is None:
            return error(400, f"body larger than {self.max_body} bytes")
        try:
            batch = self._parse(raw)
            readings = await validate(batch, datetime.now(UTC))
        except BadRequest as exc:
            return error(400, str(exc))
        except ReadingError as exc:
            return error(400, f"readings[{exc.index}]: {exc.reason}")
        result = await store(readings, "api")
        return web.json_response({"ok": True, **result.as_dict()})

    async def _read(self, request: web.Request) -> bytes | None:
        """The whole body as it arrives in chunks; None once it exceeds the limit."""
        chunks: list[bytes] = []
        size = 0
        while chunk := await request.content.readany():
            size += len(chunk)
            if size > self.max_body:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    def _parse(self, raw: bytes) -> list[tuple[int, RawReading]]:
        try:
            body: Any = parse_json(raw or b"null")
        except BadJson as exc:
            raise BadRequest(f"body is {exc}") from None
        if not isinstance(body, dict) or set(body) != {"readings"}:
            raise BadRequest('body must be {"readings": [...]}')
        items = body["readings"]
        if not isinstance(items, list) or not items:
            raise BadRequest("readings must be a non-empty list")
        if len(items) > self.max_batch:
            raise BadRequest(f"too many readings: {len(items)} (at most {self.max_batch} "
                             "per request)")
        batch = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise BadRequest(f"readings[{index}]: must be an object")
            unknown = sorted(set(item) - FIELDS)
            if unknown:
                raise BadRequest(f"readings[{index}]: unknown field(s): {', '.join(unknown)}")
            missing = sorted({"meter", "ts", "value"} - set(item))
            if missing:
                raise BadRequest(f"readings[{index}]: missing {', '.join(missing)}")
            batch.append((index, RawReading(item["meter"], item["ts"], item["value"],
                                            item.get("kind"))))
        return batch
