"""The local web chat: a demo transport serving a chat page on the bot's own HTTP server."""

from __future__ import annotations

import logging
import math
import secrets
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.adapters.web.auth import WebAuth, WebUser
from bot.adapters.web.forms import (
    RequestError,
    SendForm,
    parse_command,
    read_json_object,
    read_send_form,
)
from bot.adapters.web.pages import (
    is_loopback,
    page_response,
    static_response,
    ui_strings,
    upload_response,
)
from bot.adapters.web.sign_in import SignInMethods, SignInRoutes
from bot.adapters.web.store import MessageStore, Upload, UploadStore, image_mime
from bot.config import Settings
from bot.core.chats import ChatScheduler
from bot.core.errors import ServiceError
from bot.core.i18n import SUPPORTED, Translator, normalize_locale
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
SetLocale = Callable[[int, str], Awaitable[None]]


class WebFileMissing(KeyError):
    """fetch_file() was asked for a web upload that is unknown or already evicted."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "web upload not found"


class WebChatAdapter(BaseAdapter):
    """The embedded web chat transport (platform "web"); routes are added to `http_app`.
    Every chat route needs a session (`auth`); who a request is never comes from the client.
    The person's language is one setting: the page's toggle posts it to /api/web/me/locale
    (`set_locale`, what /lang saves) and /api/web/me and every poll report it back."""

    platform = "web"

    def __init__(
        self,
        settings: Settings,
        http_app: web.Application,
        people: Callable[[], Awaitable[list[dict[str, Any]]]],
        translator: Translator,
        *,
        auth: WebAuth,
        methods: SignInMethods | None = None,
        set_locale: SetLocale | None = None,
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
        self.chats = ChatScheduler("web chat")
        self.demo = settings.demo
        self.auth = auth
        self.methods = methods
        # the person's one language setting (what /lang saves): the page's toggle saves it too
        self.set_locale = set_locale
        # what bot/adapters/web/signin_methods.py adds to the sign-in page (chat code, WeCom,
        # Telegram widget); nothing unless bot/app.py mounts those routes
        self.sign_in_offers: dict[str, Any] = {"chat_code": False, "wecom": None, "telegram": None}
        http_app.middlewares.append(auth.middleware)
        router = http_app.router
        router.add_get("/api/web/strings", self._strings)
        router.add_get("/api/web/auth/methods", self._sign_in_offers)
        http_app.on_shutdown.append(self._on_shutdown)
        router.add_get("/", self._page)
        router.add_get("/static/webchat/{name}", self._static)
        router.add_get("/api/web/me", self._me)
        router.add_post("/api/web/me/locale", self._locale)
        router.add_post("/api/web/send", self._send)
        router.add_get("/api/web/messages", self._messages)
        router.add_get("/api/web/files/{ref}", self._file)
        router.add_post("/api/web/auth/logout", self._logout)
        router.add_post("/api/web/auth/logout-all", self._logout_all)
        if methods is not None:
            SignInRoutes(http_app, auth, methods, translator)
        if self.demo:
            # the demo picker is a sign-in method of the demo only: picking starts a session
            router.add_get("/api/web/people", self._people)
            router.add_post("/api/web/auth/demo", self._demo_sign_in)
            if not is_loopback(settings.http_host):
                log.warning(
                    "demo web chat is served on %s: anyone who can reach it can sign in as any "
                    "demo person; run `python -m bot run` outside a local demo",
                    settings.http_host,
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
        gallery = [self._media_attachment(chat_id, item) for item in reply.album]
        self.messages.append(chat_id, "bot", reply.text, buttons=reply.buttons, image=reply.image,
                             attachment=attachment, gallery=[g for g in gallery if g["url"]])

    def _media_attachment(self, chat_id: str, media: Media) -> dict[str, Any]:
        """Keep a reply's photo, video or recording for the page to show (<img>, <video>,
        <audio>, or a link when the stored file is gone: the text still arrives)."""
        try:
            data = media.load()
        except OSError:
            log.warning("web chat: media file of a reply is gone")
            return {"name": media.file_name, "mime": media.mime, "kind": media.kind, "url": None}
        ref = f"web:{uuid.uuid4().hex}"
        mime = media.mime or _default_mime(media, data)
        self.uploads.put(ref, Upload(data, mime, media.file_name, chat_id))
        return {
            "url": f"/api/web/files/{ref.removeprefix('web:')}",
            "name": media.file_name, "mime": mime, "size": len(data),
            "is_image": media.kind == "photo", "kind": media.kind,
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
        await self.chats.drain(5)
        self.uploads.clear()

    async def _on_shutdown(self, app: web.Application) -> None:
        self.messages.close()  # release long-polls so the server can stop promptly

    # -- helpers ---------------------------------------------------------------------

    async def _people_list(self) -> list[dict[str, Any]]:
        people = await self.people()
        return [
            {
                "person_id": int(p["person_id"]),
                "user_id": str(p["user_id"]),
                "name": str(p.get("name") or p["user_id"]),
                "roles": [str(r) for r in p.get("roles") or []],
                "locale": p.get("locale"),
            }
            for p in people
        ]

    def _store_files(self, form: SendForm, owner: str) -> tuple[list[FileRef], list[FileRef]]:
        photos: list[FileRef] = []
        documents: list[FileRef] = []
        for item in form.files:
            ref = f"web:{uuid.uuid4().hex}"
            self.uploads.put(ref, Upload(item.data, item.mime, item.file_name, owner))
            is_image = item.mime.startswith("image/")
            kind = "video" if item.mime.startswith("video/") else "photo"
            file_ref = FileRef(ref=ref, size=len(item.data), mime=item.mime,
                               file_name=item.file_name, is_image=is_image, kind=kind)
            (photos if is_image else documents).append(file_ref)
        return photos, documents

    def _schedule(self, incoming: Incoming) -> None:
        async def run() -> None:
            feed = self._feed
            if feed is not None:
                await feed(incoming)

        self.chats.schedule(incoming.chat_id, run)

    # -- routes ----------------------------------------------------------------------

    async def _user(self, request: web.Request) -> WebUser:
        user = await self.auth.current(request)
        if user is None:
            raise RequestError(401, "sign_in_required", "sign in first")
        return user

    async def _me(self, request: web.Request) -> web.Response:
        user = await self.auth.current(request)
        if user is None:
            return web.json_response({
                "error": "sign_in_required", "demo": self.demo,
                "open_reporting": bool(self.methods and self.methods.open_reporting),
                "methods": ["link", "code", "password"] if self.methods else [],
            }, status=401)
        has_password = bool(self.methods) and await self.methods.has_password(user.person_id)
        return web.json_response({
            "person_id": user.person_id, "name": user.name, "roles": list(user.roles),
            "locale": user.locale, "has_password": has_password, "demo": self.demo,
        })

    async def _locale(self, request: web.Request) -> web.Response:
        """The page's language toggle: the signed-in person's locale, the one /lang sets."""
        try:
            user = await self._user(request)
            data = await read_json_object(request)
            wanted = data.get("locale")
            if not isinstance(wanted, str) or wanted not in SUPPORTED:
                raise RequestError(400, "bad_locale",
                                   self.translator(user.locale or self.translator.default,
                                                   "lang.unknown", choices=", ".join(SUPPORTED)))
            if self.set_locale is None:
                raise RequestError(501, "locale_unavailable", "the language cannot be saved")
            await self.set_locale(user.person_id, wanted)
        except RequestError as err:
            return err.response()
        except ServiceError as err:
            text = self.translator(user.locale or self.translator.default, err.key, **err.fields)
            return web.json_response({"error": err.key, "message": text}, status=400)
        return web.json_response({"locale": wanted})

    async def _logout(self, request: web.Request) -> web.Response:
        return await self.auth.sign_out(request)

    async def _logout_all(self, request: web.Request) -> web.Response:
        if await self.auth.current(request) is None:
            return RequestError(401, "sign_in_required", "sign in first").response()
        return await self.auth.sign_out(request, everywhere=True)

    async def _demo_sign_in(self, request: web.Request) -> web.Response:
        try:
            data = await read_json_object(request)
        except RequestError as err:
            return err.response()
        wanted = data.get("person_id")
        people = await self._people_list()
        match = next((p for p in people if isinstance(wanted, int) and p["person_id"] == wanted),
                     None)
        if match is None:
            return RequestError(404, "unknown_person", "no such demo person").response()
        return await self.auth.sign_in_response(request, match["person_id"], "demo")

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

    async def _sign_in_offers(self, request: web.Request) -> web.Response:
        return web.json_response(self.sign_in_offers, headers={"Cache-Control": "no-store"})

    async def _strings(self, request: web.Request) -> web.Response:
        locale, strings = ui_strings(self.translator, request.query.get("locale"))
        limits = {"max_upload_bytes": self.max_upload_bytes, "max_text_chars": self.max_text_chars}
        return web.json_response({"locale": locale, "strings": strings, "limits": limits})

    async def _send(self, request: web.Request) -> web.Response:
        try:
            user = await self._user(request)
            if self._feed is None:
                raise RequestError(503, "not_ready", "the web chat is not running")
            form = await read_send_form(request, self.max_upload_bytes, self.max_text_chars)
        except RequestError as err:
            return err.response()
        locale = normalize_locale(form.locale)
        client_id = form.client_id or uuid.uuid4().hex
        photos, documents = self._store_files(form, user.chat_id)
        command, args = parse_command(form.text)
        incoming = Incoming(
            platform=self.platform,
            chat_id=user.chat_id,
            user_id=user.chat_id,
            display_name=user.name,
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
        try:
            fresh = self.accept is None or await self.accept(incoming)
        except Exception as exc:  # database locked or unreachable: the page sends it again
            log.warning("web chat: update not recorded (%r): answering 503", exc)
            return RequestError(503, "busy", "busy, please retry").response()
        if not fresh:  # the page retried something already taken
            return web.json_response({"ok": True, "client_id": client_id}, status=202)
        if not form.callback:
            self._record_user_message(user.chat_id, form, client_id, photos + documents)
        self._schedule(incoming)
        return web.json_response({"ok": True, "client_id": client_id}, status=202)

    def _record_user_message(self, chat_id: str, form: SendForm, client_id: str,
                             files: list[FileRef]) -> None:
        if self.messages.find_client(chat_id, client_id) is not None:
            return  # a retry of something already shown
        attachment = None
        if files:
            ref = files[0].ref
            attachment = {
                "url": f"/api/web/files/{ref.removeprefix('web:')}",
                "name": files[0].file_name,
                "mime": files[0].mime,
                "size": files[0].size,
                "is_image": files[0].is_image,
            }
        self.messages.append(chat_id, "user", form.text or "", client_id=client_id,
                             attachment=attachment)

    async def _messages(self, request: web.Request) -> web.Response:
        try:
            user_id = (await self._user(request)).chat_id
        except RequestError as err:
            return err.response()
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
        # the cursor is read with the messages, before the next await: a reply appended while
        # the session is refreshed would otherwise be counted as seen and never shown
        cursor = self.messages.seq
        # read again after the wait: a `/lang` answered meanwhile changes the page frame too
        fresh = await self.auth.refresh(request)
        return web.json_response({
            "locale": fresh.locale if fresh is not None else None,
            "messages": [m.to_json() for m in changed],
            "cursor": cursor,
            "epoch": self.epoch,
            "reset": reset,
        })

    async def _file(self, request: web.Request) -> web.Response:
        user = await self.auth.current(request)
        if user is None:
            return RequestError(401, "sign_in_required", "sign in first").response()
        upload = self.uploads.get(f"web:{request.match_info['ref']}")
        # an upload is served to the chat it belongs to only: the sender's own, or a reply's
        # media the bot sent to this person (ticket photos reach staff as such replies)
        if upload is None or upload.owner != user.chat_id:
            raise web.HTTPNotFound()
        return upload_response(upload)


def _default_mime(media: Media, data: bytes) -> str:
    """The MIME type of a reply's file that did not name one."""
    if media.kind == "photo":
        return image_mime(data)
    return "audio/ogg" if media.kind == "voice" else "video/mp4"
