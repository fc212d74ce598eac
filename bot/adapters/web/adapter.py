"""The local web chat: a demo transport serving a chat page on the bot's own HTTP server."""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.adapters.web.forms import RequestError, SendForm, parse_command, read_send_form
from bot.adapters.web.pages import (
    is_loopback,
    page_response,
    sign_in_required_response,
    static_response,
    ui_strings,
    upload_response,
)
from bot.adapters.web.store import MessageStore, Upload, UploadStore
from bot.config import Settings
from bot.core.i18n import Translator, normalize_locale
from bot.core.types import (
    Address,
    BaseAdapter,
    DeliveryError,
    Feed,
    FileRef,
    Incoming,
    Media,
    Reply,
)

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_TEXT_CHARS = 20_000
MAX_POLL_SECONDS = 25.0


class WebFileMissing(KeyError):
    """fetch_file() was asked for a web upload that is unknown or already evicted."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "web upload not found"


class WebChatAdapter(BaseAdapter):
    """The embedded web chat transport (platform "web"); routes are added to `http_app`."""

    platform = "web"

    def __init__(
        self,
        settings: Settings,
        http_app: web.Application,
        people: Callable[[], Awaitable[list[dict[str, Any]]]],
        translator: Translator,
        *,
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
        max_text_chars: int = MAX_TEXT_CHARS,
        upload_budget_bytes: int = 200 * 1024 * 1024,
        history_per_chat: int = 200,
        poll_seconds: float = 20.0,
    ):
        self.settings = settings
        self.people = people
        self.translator = translator
        self.max_upload_bytes = max_upload_bytes
        self.max_text_chars = max_text_chars
        self.poll_seconds = poll_seconds
        self.messages = MessageStore(max_per_chat=history_per_chat)
        self.uploads = UploadStore(max_total_bytes=upload_budget_bytes)
        self.epoch = secrets.token_hex(6)
        self._feed: Feed | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        self._inflight: dict[str, int] = {}
        self.demo = settings.demo
        router = http_app.router
        router.add_get("/api/web/strings", self._strings)
        http_app.on_shutdown.append(self._on_shutdown)
        if not self.demo:
            # Production: the browser is never trusted for who it is, and sign-in is not built
            # yet, so the chat API answers 401 and the page says which chats to use instead.
            router.add_get("/", self._sign_in_required_page)
            for path in ("/api/web/send", "/api/web/messages", "/api/web/files/{ref}"):
                router.add_route("*", path, self._sign_in_required)
            return
        router.add_get("/", self._page)
        router.add_get("/static/webchat/{name}", self._static)
        router.add_get("/api/web/people", self._people)
        router.add_post("/api/web/send", self._send)
        router.add_get("/api/web/messages", self._messages)
        router.add_get("/api/web/files/{ref}", self._file)
        if not is_loopback(settings.http_host):
            log.warning(
                "web chat is served on %s: anyone who can reach it can act as any demo person; "
                "set HOUQIN_WEBCHAT=false outside a local demo", settings.http_host,
            )

    # -- Adapter protocol -------------------------------------------------------------

    async def start(self, feed: Feed) -> None:
        """Accept messages from the page, passing each one to `feed`."""
        self._feed = feed
        self.messages.closed = False
        log.info("web chat ready at http://%s:%s/", self.settings.http_host,
                 self.settings.http_port)

    async def send(self, address: Address, reply: Reply) -> None:
        """Show a bot message in a chat (or edit one); unknown chats are created."""
        if address.platform != self.platform:
            raise DeliveryError(f"web chat cannot deliver to {address.platform}", permanent=True)
        chat_id = address.chat_id
        if reply.edit_message_id is not None:
            try:
                target = int(reply.edit_message_id)
            except ValueError:
                target = -1
            existing = self.messages.get(chat_id, target)
            if existing is not None and existing.sender == "bot":
                self.messages.edit(chat_id, target, reply.text, reply.buttons, reply.image)
                return
        attachment = self._media_attachment(chat_id, reply.media) if reply.media else None
        self.messages.append(chat_id, "bot", reply.text, buttons=reply.buttons, image=reply.image,
                             attachment=attachment)

    def _media_attachment(self, chat_id: str, media: Media) -> dict[str, Any]:
        """Keep a reply's video or recording for the page to play (<video>/<audio>, or a link
        when the stored file is gone: the text still arrives)."""
        try:
            data = media.load()
        except OSError:
            log.warning("web chat: media file of a reply is gone")
            return {"name": media.file_name, "mime": media.mime, "kind": media.kind, "url": None}
        ref = f"web:{uuid.uuid4().hex}"
        mime = media.mime or ("audio/ogg" if media.kind == "voice" else "video/mp4")
        self.uploads.put(ref, Upload(data, mime, media.file_name, chat_id))
        return {
            "url": f"/api/web/files/{ref.removeprefix('web:')}?" + urlencode({"user_id": chat_id}),
            "name": media.file_name, "mime": mime, "size": len(data), "is_image": False,
            "kind": media.kind,
        }

    async def fetch_file(self, ref: str) -> bytes:
        """The bytes of a file the page uploaded; WebFileMissing if unknown or evicted."""
        upload = self.uploads.get(ref)
        if upload is None:
            raise WebFileMissing(f"web upload {ref!r} is unknown or was evicted from memory")
        return upload.data

    async def stop(self) -> None:
        """Stop accepting messages, wake long-pollers and forget all chats and uploads."""
        self._feed = None
        self.messages.close()
        tasks = list(self._tasks)
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=5)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        self.uploads.clear()

    async def _on_shutdown(self, app: web.Application) -> None:
        self.messages.close()  # release long-polls so the server can stop promptly

    # -- helpers ---------------------------------------------------------------------

    async def _people_list(self) -> list[dict[str, Any]]:
        people = await self.people()
        return [
            {
                "user_id": str(p["user_id"]),
                "name": str(p.get("name") or p["user_id"]),
                "roles": [str(r) for r in p.get("roles") or []],
                "locale": p.get("locale"),
            }
            for p in people
        ]

    async def _display_name(self, user_id: str, locale: str | None) -> str:
        try:
            for person in await self._people_list():
                if person["user_id"] == user_id:
                    return person["name"]
        except Exception:
            log.exception("web chat: could not load the people list")
        return self.translator(locale, "webchat.visitor")

    def _store_files(self, form: SendForm) -> tuple[list[FileRef], list[FileRef]]:
        photos: list[FileRef] = []
        documents: list[FileRef] = []
        for item in form.files:
            ref = f"web:{uuid.uuid4().hex}"
            self.uploads.put(ref, Upload(item.data, item.mime, item.file_name, form.user_id))
            is_image = item.mime.startswith("image/")
            kind = "video" if item.mime.startswith("video/") else "photo"
            file_ref = FileRef(ref=ref, size=len(item.data), mime=item.mime,
                               file_name=item.file_name, is_image=is_image, kind=kind)
            (photos if is_image else documents).append(file_ref)
        return photos, documents

    def _schedule(self, incoming: Incoming) -> None:
        chat_id = incoming.chat_id
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        self._inflight[chat_id] = self._inflight.get(chat_id, 0) + 1

        async def run() -> None:
            try:
                async with lock:
                    feed = self._feed
                    if feed is not None:
                        incoming.display_name = await self._display_name(
                            incoming.user_id, incoming.language
                        )
                        await feed(incoming)
            except Exception:
                log.exception("web chat: handling update %s failed", incoming.update_id)
            finally:
                self._inflight[chat_id] -= 1
                if not self._inflight[chat_id]:
                    del self._inflight[chat_id]
                    self._locks.pop(chat_id, None)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- routes ----------------------------------------------------------------------

    async def _sign_in_required_page(self, request: web.Request) -> web.Response:
        return sign_in_required_response(self.translator, request.headers.get("Accept-Language"))

    async def _sign_in_required(self, request: web.Request) -> web.Response:
        return RequestError(401, "sign_in_required", "sign in first").response()

    async def _page(self, request: web.Request) -> web.Response:
        return page_response()

    async def _static(self, request: web.Request) -> web.Response:
        return static_response(request.match_info["name"])

    async def _people(self, request: web.Request) -> web.Response:
        try:
            people = await self._people_list()
        except Exception:
            log.exception("web chat: could not load the people list")
            return RequestError(500, "people_unavailable", "could not load people").response()
        return web.json_response(people)

    async def _strings(self, request: web.Request) -> web.Response:
        locale, strings = ui_strings(self.translator, request.query.get("locale"))
        limits = {"max_upload_bytes": self.max_upload_bytes, "max_text_chars": self.max_text_chars}
        return web.json_response({"locale": locale, "strings": strings, "limits": limits})

    async def _send(self, request: web.Request) -> web.Response:
        if self._feed is None:
            return RequestError(503, "not_ready", "the web chat is not running").response()
        try:
            form = await read_send_form(request, self.max_upload_bytes, self.max_text_chars)
        except RequestError as err:
            return err.response()
        locale = normalize_locale(form.locale)
        client_id = form.client_id or uuid.uuid4().hex
        photos, documents = self._store_files(form)
        command, args = parse_command(form.text)
        incoming = Incoming(
            platform=self.platform,
            chat_id=form.user_id,
            user_id=form.user_id,
            display_name="",  # looked up when the update's turn comes (keeps the order)
            text=form.text,
            command=command,
            args=args,
            callback=form.callback,
            photos=photos,
            documents=documents,
            language=locale,
            update_id=client_id,
            message_id=form.message_id if form.callback else None,
        )
        if not form.callback:
            self._record_user_message(form, client_id, photos + documents)
        self._schedule(incoming)
        return web.json_response({"ok": True, "client_id": client_id}, status=202)

    def _record_user_message(self, form: SendForm, client_id: str, files: list[FileRef]) -> None:
        if self.messages.find_client(form.user_id, client_id) is not None:
            return  # a retry of something already shown
        attachment = None
        if files:
            ref = files[0].ref
            attachment = {
                "url": f"/api/web/files/{ref.removeprefix('web:')}?"
                + urlencode({"user_id": form.user_id}),
                "name": files[0].file_name,
                "mime": files[0].mime,
                "size": files[0].size,
                "is_image": files[0].is_image,
            }
        self.messages.append(form.user_id, "user", form.text or "", client_id=client_id,
                             attachment=attachment)

    async def _messages(self, request: web.Request) -> web.Response:
        user_id = request.query.get("user_id", "").strip()
        if not user_id:
            return RequestError(400, "missing_user_id", "user_id is required").response()
        try:
            after = int(request.query.get("after", "0"))
            wait = float(request.query.get("wait", str(self.poll_seconds)))
        except ValueError:
            return RequestError(400, "bad_cursor", "after and wait must be numbers").response()
        wait = min(max(wait, 0.0), MAX_POLL_SECONDS) if math.isfinite(wait) else self.poll_seconds
        epoch = request.query.get("epoch")
        reset = after < 0 or after > self.messages.seq or (bool(epoch) and epoch != self.epoch)
        if reset:
            after = 0
        changed = await self.messages.wait(user_id, after, 0 if reset else wait)
        return web.json_response({
            "messages": [m.to_json() for m in changed],
            "cursor": self.messages.seq,
            "epoch": self.epoch,
            "reset": reset,
        })

    async def _file(self, request: web.Request) -> web.Response:
        upload = self.uploads.get(f"web:{request.match_info['ref']}")
        if upload is None or upload.owner != request.query.get("user_id"):
            raise web.HTTPNotFound()
        return upload_response(upload)
