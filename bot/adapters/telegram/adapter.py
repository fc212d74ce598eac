"""Telegram transport on python-telegram-bot 22: polling or webhook, mapped to Incoming/Reply."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import hmac
import json
import logging
import warnings
from collections import OrderedDict
from typing import Any

from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler
from telegram.warnings import PTBDeprecationWarning

from bot.adapters.telegram.media import send_album, send_captioned, video_refs
from bot.adapters.telegram.text import Keyboard, send_chunks, split_text
from bot.adapters.telegram.transport import AiohttpRequest, call
from bot.config import Settings
from bot.core.chats import ChatScheduler
from bot.core.i18n import Translator, normalize_locale
from bot.core.types import (
    Address,
    BaseAdapter,
    Button,
    DeliveryError,
    Feed,
    FileRef,
    Incoming,
    Reply,
)

log = logging.getLogger(__name__)

PLATFORM = "telegram"
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Channel posts are received only to tell the channel, once, that the bot works in private.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.CHANNEL_POST]
PRIVATE = "private"
# Group/supergroup/channel chats already told to message the bot privately. Bounded memory:
# after a restart (or once this many other chats were told) a chat may be told once more.
TOLD_CHATS_MAX = 10_000
POLL_TIMEOUT = dtm.timedelta(seconds=25)
POLL_RETRY_MIN, POLL_RETRY_MAX = 0.5, 30.0  # seconds between failed polls, doubling
RECORD_TRIES = 4  # fetches of an update the database cannot record, before "busy, send again"
# BadRequest texts meaning "this message cannot be edited": send a new one instead.
UNEDITABLE = (
    "can't be edited",
    "to edit not found",
    "no text in the message",
    "message_id_invalid",
)


class TelegramAdapter(BaseAdapter):
    """The Telegram Bot API as an Adapter: receives via polling or webhook, sends replies."""

    platform = PLATFORM

    def __init__(
        self,
        settings: Settings,
        http_app: web.Application | None = None,
        commands: dict[str, list[tuple[str, str]]] | None = None,
        translator: Translator | None = None,
    ) -> None:
        if not settings.telegram_token:
            raise ValueError("TelegramAdapter needs settings.telegram_token")
        if settings.telegram_mode not in ("polling", "webhook"):
            raise ValueError(f"unknown telegram_mode {settings.telegram_mode!r}")
        self._settings = settings
        self._commands = commands or {}
        self._webhook = settings.telegram_mode == "webhook"
        builder = (
            Application.builder()
            .token(settings.telegram_token)
            .base_url(settings.telegram_api_url)
            .base_file_url(settings.telegram_file_url)
            .request(AiohttpRequest())
            .get_updates_request(AiohttpRequest(pool_size=1))
        )
        if self._webhook:
            if http_app is None:
                raise ValueError("webhook mode needs the aiohttp app to mount the webhook route")
            if not settings.telegram_webhook_url or not settings.telegram_webhook_secret:
                raise ValueError(
                    "webhook mode needs telegram_webhook_url and telegram_webhook_secret"
                )
            http_app.router.add_post(WEBHOOK_PATH, self._on_webhook)
        # no PTB Updater: it confirms a fetched batch (the next getUpdates offset) before any
        # of it is handled; our own poller confirms an update only once it is recorded
        builder = builder.updater(None)
        self._app = builder.build()
        self._app.add_handler(TypeHandler(Update, self._on_update))
        self._feed: Feed | None = None
        self._running = False
        self._stopped = False
        self._init_lock = asyncio.Lock()
        self._translator = translator
        self._told_chats: OrderedDict[int, None] = OrderedDict()
        self._accepted: set[int] = set()  # update ids recorded before Telegram was told
        self._poller: asyncio.Task[None] | None = None
        self._record_failures: dict[int, int] = {}
        self.chats = ChatScheduler("telegram")

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self, feed: Feed) -> None:
        """Connect (getMe), register commands, then poll or set the webhook."""
        if self._running or self._stopped:
            raise RuntimeError("TelegramAdapter can be started once")
        self._feed = feed
        await self._app.initialize()
        await self._register_commands()
        await self._app.start()
        self._running = True
        if self._webhook:
            await self._app.bot.set_webhook(
                url=self._settings.telegram_webhook_url or "",
                secret_token=self._settings.telegram_webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            await self._app.bot.delete_webhook(drop_pending_updates=False)
            self._poller = asyncio.create_task(self._poll(), name="telegram-poll")
        mode, name = self._settings.telegram_mode, self._app.bot.username
        log.info("telegram adapter started (%s) as @%s", mode, name)

    async def stop(self) -> None:
        """Stop polling and the PTB application; safe to call more than once."""
        if self._stopped:
            return
        self._stopped = True
        self._running = False
        try:
            if self._poller is not None:
                self._poller.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._poller
                self._poller = None
            await self.chats.drain()  # updates taken in are handled before the bot goes
            if self._app.running:
                await self._app.stop()
            await self._app.shutdown()
        finally:
            await self._app.bot.shutdown()
            self._feed = None

    async def _register_commands(self) -> None:
        for locale, pairs in self._commands.items():
            commands = [BotCommand(name.lstrip("/").lower(), text) for name, text in pairs]
            targets = [locale.replace("-", "_").split("_")[0].lower()]
            if locale == self._settings.default_locale:
                targets.append("")
            for language in targets:
                try:
                    await self._app.bot.set_my_commands(commands, language_code=language or None)
                except TelegramError:
                    log.warning("setMyCommands failed for %r", language or "default", exc_info=True)

    async def _ready_bot(self) -> Bot:
        if self._stopped:
            raise DeliveryError("telegram adapter is stopped")
        async with self._init_lock:
            await self._app.bot.initialize()
        return self._app.bot

    # --- receiving -----------------------------------------------------------------------------

    async def _on_update(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB hands updates over one at a time: each private chat's update is scheduled after
        that chat's earlier ones, so other chats are handled meanwhile."""
        if not isinstance(update, Update):
            return
        chat = update.effective_chat
        if chat is None or chat.type != PRIVATE:
            # groups, supergroups and channels never reach the dispatcher: nothing of them
            # is stored as a person's chat
            if update.callback_query is not None:
                await self._answer(update.callback_query)
            if chat is not None:
                await self._tell_private_only(chat.id, update.effective_user)
            return
        self.chats.schedule(str(chat.id), lambda: self._handle(update))

    async def _handle(self, update: Update) -> None:
        """Answer a button press (the client stops its spinner) and feed the update."""
        if update.callback_query is not None:
            await self._answer(update.callback_query)
        incoming = to_incoming(update, self._app.bot.username)
        feed = self._feed
        if incoming is None or feed is None:
            return
        if update.update_id in self._accepted:  # recorded by the webhook before its 200
            self._accepted.discard(update.update_id)
            incoming.accepted = True
        try:
            await feed(incoming)
        except Exception:
            log.exception("handling telegram update %s failed", update.update_id)

    async def _gave_up(self, update: Update, exc: Exception) -> bool:
        """An update the database could not record: kept for another try (False), or after
        RECORD_TRIES the person is told the system is busy and to send it again (True)."""
        tries = self._record_failures.get(update.update_id, 0) + 1
        log.warning("telegram update %s not recorded (try %s): %r", update.update_id, tries, exc)
        if tries < RECORD_TRIES:
            self._record_failures[update.update_id] = tries
            return False
        self._record_failures.pop(update.update_id, None)
        chat, user = update.effective_chat, update.effective_user
        if chat is not None and self._translator is not None:
            locale = normalize_locale(user.language_code if user else None)
            try:
                await self._app.bot.send_message(chat.id, self._translator(locale, "errors.busy"))
            except TelegramError:
                log.warning("telling chat %s to try again failed", chat.id, exc_info=True)
        return True

    async def _tell_private_only(self, chat_id: int, user: User | None) -> None:
        """Answer a group or channel once: "please message me privately"."""
        if chat_id in self._told_chats:
            return
        self._told_chats[chat_id] = None
        while len(self._told_chats) > TOLD_CHATS_MAX:
            self._told_chats.popitem(last=False)
        if self._translator is None:
            return
        locale = normalize_locale(user.language_code if user else None)
        text = self._translator(locale, "errors.private_only", bot=self._app.bot.username or "")
        try:
            await self._app.bot.send_message(chat_id, text)
        except TelegramError:
            log.warning("telling chat %s to message privately failed", chat_id, exc_info=True)

    async def _answer(self, query: CallbackQuery) -> None:
        try:
            await call(self._app.bot, "answerCallbackQuery", {"callback_query_id": query.id})
        except TelegramError:
            log.warning("answerCallbackQuery failed for %s", query.id, exc_info=True)

    async def _on_webhook(self, request: web.Request) -> web.Response:
        secret = (self._settings.telegram_webhook_secret or "").encode()
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not secret or not hmac.compare_digest(given, secret):
            return web.Response(status=403, text="forbidden")
        if not self._running:
            return web.Response(status=503, text="not ready")
        try:
            data = json.loads(await request.read())
            if not isinstance(data, dict) or type(data.get("update_id")) is not int:
                raise ValueError("not an update")
            update = Update.de_json(data, self._app.bot)
        except Exception:
            return web.Response(status=400, text="bad update")
        try:
            fresh = await self._record(update)
        except Exception as exc:
            log.warning("telegram update %s not recorded (%r): answering 503",
                        update.update_id, exc)
            return web.Response(status=503, text="busy, retry")  # Telegram sends it again
        if not fresh:
            return web.Response(text="ok")  # a redelivery of an update handled already
        await self._app.update_queue.put(update)
        return web.Response(text="ok")

    async def _record(self, update: Update) -> bool:
        """Record a private chat's update before Telegram is told "got it" (False: handled
        before); raises when the database cannot record it, so Telegram keeps it."""
        chat = update.effective_chat
        incoming = to_incoming(update, self._app.bot.username)
        if self.accept is None or incoming is None or chat is None or chat.type != PRIVATE:
            return True
        fresh = await self.accept(incoming)
        if fresh:
            self._accepted.add(update.update_id)
        return fresh

    async def _record_all(self, updates: list[Update]) -> list[bool] | None:
        """Record a poll's private-chat updates in one statement: per update, whether it is
        to be handled; None when they could not be recorded so (each is then tried alone)."""
        if self.accept_many is None or not updates:
            return None if updates else []
        flags: list[bool] = [True] * len(updates)
        batch: list[tuple[int, Incoming]] = []
        for n, update in enumerate(updates):
            chat = update.effective_chat
            incoming = to_incoming(update, self._app.bot.username)
            if incoming is not None and chat is not None and chat.type == PRIVATE:
                batch.append((n, incoming))
        if not batch:
            return flags
        try:
            fresh = await self.accept_many([incoming for _, incoming in batch])
        except Exception as exc:
            log.info("recording %s telegram updates at once failed (%r): one by one",
                     len(batch), exc)
            return None
        for (n, _), new in zip(batch, fresh, strict=True):
            flags[n] = new
            if new:
                self._accepted.add(updates[n].update_id)
        return flags

    async def _poll(self) -> None:
        """Long-poll getUpdates; an update is confirmed (the next offset passes it) only after
        it was recorded, so one fetched while the database is down is fetched again."""
        offset: int | None = None
        delay = POLL_RETRY_MIN
        while self._running:
            try:
                updates = await self._app.bot.get_updates(
                    offset=offset, timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES
                )
                recorded = await self._record_all(updates)
                if recorded is not None:
                    for update, fresh in zip(updates, recorded, strict=True):
                        if fresh:
                            await self._app.update_queue.put(update)
                        offset = update.update_id + 1
                    delay = POLL_RETRY_MIN
                    continue
                kept = False  # recorded one by one: a failure holds back the updates after it
                for update in updates:
                    try:
                        fresh = await self._record(update)
                    except Exception as exc:
                        kept = not await self._gave_up(update, exc)
                        if kept:  # not confirmed: fetched again after the pause
                            break
                        fresh = False
                    if fresh:
                        await self._app.update_queue.put(update)
                    offset = update.update_id + 1
                if kept:
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, POLL_RETRY_MAX)
                else:
                    delay = POLL_RETRY_MIN
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # network, Telegram or database trouble: try again
                log.warning("telegram polling: %r; again in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, POLL_RETRY_MAX)

    # --- sending -------------------------------------------------------------------------------

    async def send(self, address: Address, reply: Reply) -> None:
        """Deliver a reply (photo, edit or text; split when too long); raise DeliveryError."""
        if address.platform != PLATFORM:
            raise DeliveryError(f"not a telegram address: {address}", permanent=True)
        bot = await self._ready_bot()
        chat_id = _chat_id(address.chat_id)
        try:
            if reply.album:
                await send_album(bot, chat_id, reply, _markup(reply.buttons))
            elif reply.media is not None or reply.image is not None:
                await send_captioned(bot, chat_id, reply, _markup(reply.buttons))
            elif reply.edit_message_id:
                await self._edit(bot, chat_id, reply.edit_message_id, reply.text,
                                 _keyboard(reply.buttons))
            else:
                await send_chunks(bot, chat_id, split_text(reply.text), _keyboard(reply.buttons))
        except TelegramError as exc:
            raise _delivery_error(exc) from exc

    async def _edit(
        self, bot: Bot, chat_id: int | str, message_id: str, text: str, keyboard: Keyboard
    ) -> None:
        """Edit the message in place; fall back to a new message when it cannot be edited."""
        chunks = split_text(text)
        if not message_id.isdigit():  # not an id Telegram gave us: nothing to edit
            await send_chunks(bot, chat_id, chunks, keyboard)
            return
        values: dict[str, Any] = {
            "chat_id": chat_id, "message_id": int(message_id), "text": chunks[0]
        }
        if keyboard is not None and len(chunks) == 1:
            values["reply_markup"] = keyboard
        try:
            await call(bot, "editMessageText", values)
        except BadRequest as exc:
            reason = str(exc).lower()
            if any(marker in reason for marker in UNEDITABLE):
                await send_chunks(bot, chat_id, chunks, keyboard)
                return
            if "not modified" not in reason:
                raise
        await send_chunks(bot, chat_id, chunks[1:], keyboard)

    async def fetch_file(self, ref: str) -> bytes:
        """Download a file the user sent (getFile, then the file URL)."""
        bot = await self._ready_bot()
        try:
            file = await bot.get_file(ref)
            return bytes(await file.download_as_bytearray())
        except TelegramError as exc:
            raise _delivery_error(exc) from exc


# --- mapping -----------------------------------------------------------------------------------


def to_incoming(update: Update, bot_username: str | None = None) -> Incoming | None:
    """Convert a PTB Update into an Incoming (None for updates the bot ignores)."""
    query = update.callback_query
    if query is not None:
        if query.data is None:
            return None
        user = query.from_user
        source = query.message
        return Incoming(
            platform=PLATFORM,
            chat_id=str(source.chat.id if source is not None else user.id),
            user_id=str(user.id),
            display_name=user.full_name,
            callback=query.data,
            language=user.language_code,
            update_id=str(update.update_id),
            message_id=str(source.message_id) if source is not None else None,
        )
    message = update.message
    if message is None or message.from_user is None:
        return None
    text = message.text if message.text is not None else message.caption
    if text is None and message.effective_attachment is None:
        return None  # service messages (members joined, pinned, ...)
    command, args = parse_command(text, bot_username)
    photos, documents = _files(message)
    location = message.location
    user = message.from_user
    unsupported = None
    if not (text or photos or documents or location):
        unsupported = _unsupported_kind(message)
    return Incoming(
        platform=PLATFORM,
        chat_id=str(message.chat.id),
        user_id=str(user.id),
        display_name=user.full_name,
        text=text,
        command=command,
        args=args,
        photos=photos,
        documents=documents,
        location=(location.latitude, location.longitude) if location else None,
        language=user.language_code,
        update_id=str(update.update_id),
        message_id=str(message.message_id),
        unsupported=unsupported,
    )


UNSUPPORTED_KINDS = ("sticker", "contact", "poll", "dice", "game", "animation")


def _unsupported_kind(message: Message) -> str:
    """What a message without text, photos, recordings or a location carries instead."""
    for kind in UNSUPPORTED_KINDS:
        if getattr(message, kind, None) is not None:
            return kind
    return "other"


def parse_command(
    text: str | None, bot_username: str | None = None
) -> tuple[str | None, list[str]]:
    """Split "/cmd@bot a b" into ("cmd", ["a", "b"]); commands for other bots are not ours."""
    if not text or not text.startswith("/"):
        return None, []
    head, *args = text.split()
    name, _, target = head[1:].partition("@")
    if not name:
        return None, []
    if target and bot_username and target.lower() != bot_username.lower():
        return None, []
    return name.lower(), args


def _files(message: Message) -> tuple[list[FileRef], list[FileRef]]:
    photos: list[FileRef] = []
    documents: list[FileRef] = []
    if message.photo:
        best = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        photos.append(FileRef(ref=best.file_id, size=best.file_size, mime="image/jpeg"))
    document = message.document
    if document is not None:
        is_image = (document.mime_type or "").startswith("image/")
        ref = FileRef(
            ref=document.file_id,
            size=document.file_size,
            mime=document.mime_type,
            file_name=document.file_name,
            is_image=is_image,
            kind="video" if (document.mime_type or "").startswith("video/") else "photo",
        )
        (photos if is_image else documents).append(ref)
    documents += video_refs(message)
    voice = message.voice or message.audio
    if voice is not None:
        documents.append(FileRef(ref=voice.file_id, size=voice.file_size, mime=voice.mime_type,
                                 is_image=False, kind="voice"))
    return photos, documents


def _keyboard(rows: list[list[Button]]) -> Keyboard:
    """The buttons as the Bot API's inline keyboard (None: no buttons)."""
    keyboard = [
        [{"text": b.label, "callback_data": b.payload} for b in row] for row in rows if row
    ]
    return {"inline_keyboard": keyboard} if keyboard else None


def _markup(rows: list[list[Button]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.payload) for b in row]
            for row in rows
            if row
        ]
    )


def _chat_id(chat_id: str) -> int | str:
    try:
        return int(chat_id)
    except ValueError:
        return chat_id


def _retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def _delivery_error(exc: TelegramError) -> DeliveryError:
    """Translate a PTB error: flood control, permanent refusals, or transient failures."""
    if isinstance(exc, RetryAfter):
        return DeliveryError(str(exc), retry_after=_retry_seconds(exc))
    if isinstance(exc, Forbidden | BadRequest | ChatMigrated):
        return DeliveryError(f"{type(exc).__name__}: {exc}", permanent=True)
    return DeliveryError(f"{type(exc).__name__}: {exc}")
