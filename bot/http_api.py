"""The HTTP API for other systems: `POST /api/alerts` lets a building-management or sensor
system raise an emergency alert.

    POST /api/alerts
    Authorization: Bearer <HOUQIN_ALERTS_API_TOKEN>
    {"template": "fire", "audience": {"kind": "place", "value": "3"},
     "details": "3号楼2层烟感报警", "evacuation": true, "source": "bms"}

`template`: water, power, fire, fire_drill, typhoon, gas or custom (custom needs `details`).
`audience.kind`: everyone, place (a building/area code or name, or a zone), role, dorm (a dorm
building code) or people (staff/student ids, phones or names: a list or a comma-separated text).
Answers 201 with the alert's number; 401 without the right token; 400 with the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.api_auth import bearer_refusal, error, unauthorized
from bot.core.errors import ServiceError
from bot.core.json_body import BadJson, parse_json
from bot.services.alerts import Audience, check_key, claim_key, release_key, settle_key
from models.alerts import ALERT_TEMPLATES, AUDIENCE_KINDS, Alert

if TYPE_CHECKING:
    from bot.services.container import Services

ALERTS_PATH = "/api/alerts"
MAX_BODY = 64 * 1024
FIELDS = {"template", "audience", "details", "evacuation", "source", "key"}


class BadRequest(Exception):
    """The request body is not a valid alert; the message says why."""


def add_alert_routes(http: web.Application, services: Services) -> None:
    """Mount `POST /api/alerts` on the app's aiohttp application."""
    http.router.add_post(ALERTS_PATH, AlertApi(services).handle)



class AlertApi:
    """Authenticates, validates and hands the alert to the alert service."""

    def __init__(self, services: Services):
        self.services = services
        self.translator = services.notifier.translator

    async def handle(self, request: web.Request) -> web.Response:
        """Raise the alert described by the JSON body."""
        refused = bearer_refusal(request, self.services.settings.alerts_api_token, "alerts",
                                 "HOUQIN_ALERTS_API_TOKEN")
        if refused:
            return unauthorized(refused)
        try:
            body = await self._body(request)
            template, details, audience, evacuation, source = await self._parse(body)
            given = request.headers.get("Idempotency-Key", body.get("key"))
            key = check_key(given) if given is not None else None
        except BadRequest as exc:
            return error(400, str(exc))
        except ServiceError as err:
            return error(400, self.translator("en", err.key, **err.fields))
        if key is not None:
            claim = await claim_key(key)
            if not claim.new:
                return self._replayed(claim.alert)
        try:
            alert, queued = await self.services.alerts.raise_alert(
                None,
                template,
                details,
                audience,
                evacuation=evacuation,
                source=source,
            )
        except ServiceError as err:
            if key is not None:
                await release_key(key)
            return error(400, self.translator("en", err.key, **err.fields))
        except BaseException:
            if key is not None:
                await release_key(key)
            raise
        if key is not None:
            await settle_key(key, alert)
        return web.json_response(
            {
                "ok": True,
                "id": alert.id,
                "template": alert.template,
                "evacuation": alert.evacuation,
                "recipients": alert.recipients_total,
                "messages": queued,
            },
            status=201,
        )

    def _replayed(self, alert: Alert | None) -> web.Response:
        """The answer to a repeated idempotency key: the first request's alert (200), or 409
        while that request is still being handled."""
        if alert is None:
            return error(409, "a request with this Idempotency-Key is still being handled")
        return web.json_response({
            "ok": True, "id": alert.id, "template": alert.template,
            "evacuation": alert.evacuation, "recipients": alert.recipients_total,
            "replayed": True,
        })

    async def _body(self, request: web.Request) -> dict[str, Any]:
        if request.content_length is not None and request.content_length > MAX_BODY:
            raise BadRequest(f"body larger than {MAX_BODY} bytes")
        raw = await request.content.read(MAX_BODY + 1)
        if len(raw) > MAX_BODY:
            raise BadRequest(f"body larger than {MAX_BODY} bytes")
        try:
            body = parse_json(raw or b"null")
        except BadJson as exc:
            raise BadRequest(f"body is {exc}") from None
        if not isinstance(body, dict):
            raise BadRequest("body must be a JSON object")
        unknown = sorted(set(body) - FIELDS)
        if unknown:
            raise BadRequest(f"unknown field(s): {', '.join(unknown)}")
        return body

    async def _parse(self, body: dict[str, Any]) -> tuple[str, str, Audience, bool | None, str]:
        template = body.get("template")
        if not isinstance(template, str) or template not in ALERT_TEMPLATES:
            raise BadRequest(f"template must be one of: {', '.join(ALERT_TEMPLATES)}")
        details = body.get("details", "")
        if not isinstance(details, str):
            raise BadRequest("details must be a string")
        evacuation = body.get("evacuation")
        if evacuation is not None and not isinstance(evacuation, bool):
            raise BadRequest("evacuation must be true or false")
        source = body.get("source", "")
        if not isinstance(source, str) or len(source) > 24:
            raise BadRequest("source must be a string of at most 24 characters")
        source = "api:" + source.strip() if source.strip() else "api"
        return template, details, await self._audience(body.get("audience")), evacuation, source

    async def _audience(self, raw: Any) -> Audience:
        if raw == "everyone":
            return Audience("everyone")
        if not isinstance(raw, dict) or not isinstance(raw.get("kind"), str):
            raise BadRequest('audience must be "everyone" or {"kind": ..., "value": ...}')
        kind, value = raw["kind"], raw.get("value", "")
        if kind not in AUDIENCE_KINDS:
            raise BadRequest(f"audience.kind must be one of: {', '.join(AUDIENCE_KINDS)}")
        if kind == "people":
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                value = ",".join(value)
            if not isinstance(value, str) or not value.strip():
                raise BadRequest("audience.value must list people (ids, phones or names)")
            audience, missing = await self.services.alerts.audience.parse_list(value)
            if missing or audience is None:
                raise BadRequest(f"unknown people: {', '.join(missing) or value[:40]}")
            return audience
        if not isinstance(value, str) or (kind != "everyone" and not value.strip()):
            raise BadRequest("audience.value must be a non-empty string")
        if kind == "place":
            return await self.services.alerts.audience.place_audience(value)
        return Audience(kind, value)
