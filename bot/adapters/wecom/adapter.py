"""WeCom (企业微信) transport: the encrypted callback in (bot.adapters.wecom.endpoint), the app
message API out (bot.adapters.wecom.api), replies rendered by bot.adapters.wecom.render.

Template cards are used for buttons where they fit; elsewhere buttons become a numbered list,
and the adapter remembers per chat (in memory, bounded) the payloads of the last list it sent so
that a reply "1" becomes that button. After a restart that memory is empty: a "1" then arrives
as plain text, which every flow step answers by asking its question again, with a fresh list.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from aiohttp import web

from bot.adapters.wecom.api import WeComApi, WeComApiError, WeComMediaTooLarge, delivery_error
from bot.adapters.wecom.callback import CallbackGuard
from bot.adapters.wecom.endpoint import CALLBACK_PATH, CallbackEndpoint, Recent
from bot.adapters.wecom.inbound import PLATFORM
from bot.adapters.wecom.media import album_bodies, media_body
from bot.adapters.wecom.menu import web_chat_url
from bot.adapters.wecom.render import Renderer
from bot.adapters.wecom.scan import ScanLanding
from bot.config import Settings
from bot.core.errors import ServiceError
from bot.core.i18n import Translator
from bot.core.types import Address, BaseAdapter, DeliveryError, Feed, Reply

log = logging.getLogger(__name__)

class WeComHooks(Protocol):
    """What the adapter asks the domain (provided by bot.services.people.directory)."""

    async def bind_known(self, user_id: str) -> object:
        """Bind a WeCom user to the person imported for them, if any and not yet bound."""

    async def locale_of(self, user_id: str) -> str | None:
        """The saved locale of the person behind a WeCom user, if any."""


class WeComBatchError(DeliveryError):
    """A batched send did not reach everyone: `failed_chat_ids` names who is still owed it
    (the notifier's delivery lane reschedules just those rows)."""

    def __init__(self, error: DeliveryError, failed_chat_ids: list[str]):
        super().__init__(str(error), retry_after=error.retry_after, permanent=error.permanent,
                         bot_wide=error.bot_wide)
        self.failed_chat_ids = failed_chat_ids


class WeComAdapter(BaseAdapter):
    """A WeCom self-built app as an Adapter (platform "wecom"; chat id = member userid)."""

    platform = PLATFORM
    batch_limit = 1000  # message/send takes up to 1000 members in "touser"

    def __init__(
        self,
        settings: Settings,
        http_app: web.Application,
        translator: Translator,
        hooks: WeComHooks | None = None,
        *,
        api: WeComApi | None = None,
        clock: Callable[[], float] = time.time,
    ):
        missing = [name for name in ("corp_id", "agent_id", "secret", "token", "aes_key")
                   if not getattr(settings, f"wecom_{name}")]
        if missing:
            names = ", ".join(f"HOUQIN_WECOM_{name.upper()}" for name in missing)
            raise ValueError(f"WeCom needs {names}")
        self.corp_id = settings.wecom_corp_id or ""
        self.agent_id = str(settings.wecom_agent_id).strip()
        self.hooks = hooks
        self.clock = clock
        self.api = api or WeComApi(self.corp_id, settings.wecom_secret or "",
                                   settings.wecom_api_url)
        self.guard = CallbackGuard(settings.wecom_token or "", settings.wecom_aes_key or "",
                                   self.corp_id, clock=clock)
        self.renderer = Renderer(translator, cards=settings.wecom_cards,
                                 style=settings.wecom_text_style,
                                 textcard_url=settings.wecom_textcard_url or web_chat_url(
                                     settings.public_url, settings.webchat))
        self.choices: Recent[list[str]] = Recent()
        self.card_labels: Recent[dict[str, str]] = Recent()
        self.endpoint = CallbackEndpoint(
            self.guard, self.corp_id, self.agent_id, choices=self.choices,
            card_labels=self.card_labels, before_feed=hooks.bind_known if hooks else None,
            clock=clock,
        )
        self.endpoint.mount(http_app)
        ScanLanding(self.api, self.endpoint.schedule, translator,
                    settings.default_locale).mount(http_app)  # QR labels opened in WeCom

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self, feed: Feed) -> None:
        """Accept callbacks, passing each update to `feed`; check the credentials once."""
        self.endpoint.feed = feed
        self.endpoint.accept = self.accept
        try:
            await self.api.token()
        except WeComApiError as exc:
            log.warning("WeCom: no access token yet (%s); sends will try again", exc)
        log.info("wecom adapter ready: callback at %s (agent %s)", CALLBACK_PATH, self.agent_id)

    async def stop(self) -> None:
        """Stop accepting, let running updates finish (briefly) and close the HTTP session."""
        await self.endpoint.drain()
        await self.api.close()

    # --- sending -------------------------------------------------------------------------------

    async def send(self, address: Address, reply: Reply) -> None:
        """Deliver one reply to one member; raise DeliveryError (mapped from the errcode)."""
        if address.platform != PLATFORM:
            raise DeliveryError(f"not a wecom address: {address}", permanent=True)
        await self._deliver([address.chat_id], reply)

    async def send_batch(self, chat_ids: list[str], reply: Reply) -> None:
        """Deliver the same reply to many members, `batch_limit` per message/send call.

        When a call fails, or WeCom reports members it cannot reach, WeComBatchError (a
        DeliveryError) names the chats still owed the message; the others got it."""
        members = list(dict.fromkeys(cid for cid in chat_ids if cid))
        unreachable: list[str] = []
        for start in range(0, len(members), self.batch_limit):
            chunk = members[start : start + self.batch_limit]
            try:
                unreachable += await self._deliver(chunk, reply)
            except DeliveryError as exc:
                raise WeComBatchError(exc, unreachable + members[start:]) from exc
        if unreachable:
            error = DeliveryError(f"WeCom cannot reach {len(unreachable)} member(s)",
                                  permanent=True)
            raise WeComBatchError(error, unreachable)

    async def _deliver(self, members: list[str], reply: Reply) -> list[str]:
        """Send the reply's parts to `members`; returns those WeCom said it cannot reach."""
        locale = await self._locale(members[0])
        rendered = self.renderer.render(reply, locale)
        unreachable: set[str] = set()
        if reply.image is not None:
            media_id = await self._upload_image(reply.image)
            body = {"msgtype": "image", "image": {"media_id": media_id}}
            unreachable |= await self._post(members, body)
        if reply.media is not None:
            unreachable |= await self._post(members, await media_body(self.api, reply.media))
        for body in await album_bodies(self.api, reply.album):
            unreachable |= await self._post(members, body)
        if reply.text.strip() or rendered.choices or rendered.card_labels:
            for body in rendered.bodies:
                unreachable |= await self._post(members, body)
        for member in members:
            # numbers refer to the newest choice offered: a numbered list, or nothing once a
            # card carries the buttons; a message without buttons in between (a notification)
            # leaves the pending list as it was
            if rendered.choices:
                self.choices.put(member, rendered.choices)
            elif rendered.card_labels:
                self.choices.pop(member)
        if rendered.card_labels:
            task_id = rendered.bodies[0]["template_card"]["task_id"]
            self.card_labels.put(task_id, rendered.card_labels)
        return [m for m in members if m in unreachable]

    async def _post(self, members: list[str], body: dict[str, Any]) -> set[str]:
        """One message/send call; returns the members WeCom reported as unreachable."""
        agent: int | str = int(self.agent_id) if self.agent_id.isdigit() else self.agent_id
        message = {"touser": "|".join(members), "agentid": agent, **body}
        try:
            result = await self.api.send_message(message)
        except WeComApiError as exc:
            raise delivery_error(exc) from exc
        invalid = {m for m in str(result.get("invaliduser") or "").split("|") if m}
        if invalid and len(members) == 1:
            raise DeliveryError(f"WeCom cannot reach member {members[0]!r}", permanent=True)
        if invalid:
            log.warning("WeCom could not reach %d of %d members: %s", len(invalid),
                        len(members), ", ".join(sorted(invalid)[:20]))
        return invalid

    async def _upload_image(self, image: bytes) -> str:
        png = image.startswith(b"\x89PNG")
        name, mime = ("image.png", "image/png") if png else ("image.jpg", "image/jpeg")
        try:
            return await self.api.upload_media("image", image, name, mime)
        except WeComApiError as exc:
            raise delivery_error(exc) from exc

    async def _locale(self, member: str) -> str | None:
        if self.hooks is None:
            return None
        try:
            return await self.hooks.locale_of(member)
        except Exception:
            log.exception("WeCom: could not look up the locale of %s", member)
            return None

    async def fetch_file(self, ref: str) -> bytes:
        """Download a file a member sent (media/get); unavailable files answer clearly."""
        try:
            return await self.api.get_media(ref)
        except WeComMediaTooLarge as exc:
            raise ServiceError("media.larger_than", limit_mb=exc.limit // 1048576) from exc
        except WeComApiError as exc:
            log.warning("WeCom media %s unavailable: %s", ref[:32], exc)
            raise ServiceError("errors.file_unavailable") from exc
