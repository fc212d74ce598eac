"""The Bot API methods the fake Telegram server answers (mixed into FakeBotApi)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from tests.fakes.bot_api_media import check_get_file_size
from tests.fakes.bot_api_updates import (
    PHOTO_DIMS,
    ApiError,
    as_chat_id,
    chat_dict,
    inline_markup,
    now,
    photo_sizes,
    update_kind,
    validate_markup,
    validate_text,
)

Method = Callable[[dict[str, Any]], Awaitable[Any]]
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


class BotApiMethods:
    """Method implementations; state lives on FakeBotApi (see its __init__)."""

    bot_user: dict[str, Any]
    files: dict[str, bytes]
    _file_info: dict[str, dict[str, Any]]
    commands: dict[str, list[dict[str, str]]]
    webhook: dict[str, Any] | None
    blocked_chats: set[str]
    _messages: dict[tuple[int | str, int], dict[str, Any]]
    _chats: dict[int | str, dict[str, Any]]
    _sent: list[dict[str, Any]]
    _pending: list[tuple[dict[str, Any], bool]]
    _allowed_updates: list[str] | None
    _wakeup: asyncio.Event
    _closing: bool

    if TYPE_CHECKING:

        def _next_message_id(self) -> int: ...

        def register_file(
            self, data: bytes, kind: str = "photos", file_name: str | None = None,
            declared_size: int | None = None,
        ) -> dict: ...

        def _flush_pending_to_webhook(self) -> None: ...

    def method_table(self) -> dict[str, Method]:
        """Bot API method name -> implementation."""
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendChatAction": self._send_chat_action,
        }

    # --- helpers -------------------------------------------------------------------------------

    def _target_chat(self, params: dict[str, Any]) -> int | str:
        if params.get("chat_id") in (None, ""):
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat_id = as_chat_id(params["chat_id"])
        if str(chat_id) in self.blocked_chats:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _bot_message(self, chat_id: int | str, content: dict[str, Any]) -> dict[str, Any]:
        message = {
            "message_id": self._next_message_id(),
            "date": now(),
            "chat": self._chats.get(chat_id) or chat_dict(chat_id),
            "from": self.bot_user,
            **{key: value for key, value in content.items() if value is not None},
        }
        self._messages[(chat_id, message["message_id"])] = message
        return message

    def _record(self, method: str, message: dict[str, Any], params: dict[str, Any]) -> None:
        self._sent.append(
            {
                "method": method,
                "chat_id": message["chat"]["id"],
                "message_id": message["message_id"],
                "text": message.get("text", message.get("caption")),
                "reply_markup": message.get("reply_markup"),
                "photo": params.get("photo") if isinstance(params.get("photo"), bytes) else None,
                "params": params,
                "at": time.monotonic(),
            }
        )

    def _editable(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat_id = self._target_chat(params)
        try:
            message_id = int(params.get("message_id", ""))
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: message identifier is not specified") from None
        message = self._messages.get((chat_id, message_id))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message.get("from", {}).get("id") != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    # --- methods -------------------------------------------------------------------------------

    async def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        if params.get("allowed_updates") is not None:
            self._allowed_updates = list(params["allowed_updates"]) or None
        if offset > 0:
            self._pending = [
                (u, sticky) for u, sticky in self._pending if sticky or u["update_id"] >= offset
            ]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self._wakeup.clear()
            self._drop_unwanted()
            remaining = deadline - loop.time()
            if self._pending or self._closing or remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), remaining)
        # Redelivered (sticky) updates first so the batch still ends with the newest id.
        batch = sorted(self._pending, key=lambda item: not item[1])[:limit]
        returned = {id(u) for u, sticky in batch if sticky}
        self._pending = [(u, s) for u, s in self._pending if id(u) not in returned]
        return [update for update, _ in batch]

    def _drop_unwanted(self) -> None:
        allowed = self._allowed_updates
        if allowed:
            self._pending = [(u, s) for u, s in self._pending if update_kind(u) in allowed]

    async def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url") or ""
        secret = params.get("secret_token")
        if secret is not None and not SECRET_RE.match(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self._pending.clear()
        if params.get("allowed_updates") is not None:
            self._allowed_updates = list(params["allowed_updates"]) or None
        if not url:
            self.webhook = None
            return True
        self.webhook = {
            "url": url,
            "secret_token": secret,
            "allowed_updates": params.get("allowed_updates"),
            "max_connections": params.get("max_connections", 40),
        }
        self._flush_pending_to_webhook()
        return True

    async def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook:
            info["max_connections"] = self.webhook["max_connections"]
            if self._allowed_updates:
                info["allowed_updates"] = self._allowed_updates
        return info

    async def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target_chat(params)
        validate_text(params.get("text"))
        validate_markup(params.get("reply_markup"))
        message = self._bot_message(
            chat_id,
            {"text": params["text"], "reply_markup": inline_markup(params.get("reply_markup"))},
        )
        self._record("sendMessage", message, params)
        return message

    async def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target_chat(params)
        photo = params.get("photo")
        if photo is None:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        if isinstance(photo, bytes):
            if not photo:
                raise ApiError(400, "Bad Request: file must be non-empty")
            data = photo
        elif isinstance(photo, str) and photo in self.files:
            data = self.files[photo]
        else:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        validate_text(params.get("caption"), 1024, caption=True)
        validate_markup(params.get("reply_markup"))
        message = self._bot_message(
            chat_id,
            {
                "photo": self.photo_sizes_for(data),
                "caption": params.get("caption") or None,
                "reply_markup": inline_markup(params.get("reply_markup")),
            },
        )
        self._record("sendPhoto", message, params)
        return message

    def photo_sizes_for(self, data: bytes) -> list[dict[str, Any]]:
        """Register one image as three PhotoSizes (two thumbnails, then the original)."""
        variants = [data[: max(1, len(data) // 16)], data[: max(1, len(data) // 4)], data]
        entries = []
        for variant in variants:
            info = self.register_file(variant, "photos")
            entries.append((info["file_id"], info["file_unique_id"], len(variant)))
        return photo_sizes(entries, PHOTO_DIMS)

    async def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        validate_text(params.get("text"))
        validate_markup(params.get("reply_markup"))
        markup = inline_markup(params.get("reply_markup"))
        if message["text"] == params["text"] and message.get("reply_markup") == markup:
            raise ApiError(400, NOT_MODIFIED)
        message["text"] = params["text"]
        message["edit_date"] = now()
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        self._record("editMessageText", message, params)
        return message

    async def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(params)
        validate_markup(params.get("reply_markup"))
        markup = inline_markup(params.get("reply_markup"))
        if message.get("reply_markup") == markup:
            raise ApiError(400, NOT_MODIFIED)
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        message["edit_date"] = now()
        return message

    async def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        if not params.get("callback_query_id"):
            raise ApiError(400, "Bad Request: QUERY_ID_INVALID")
        return True

    async def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = params.get("file_id")
        if not file_id or file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        check_get_file_size(self._file_info[file_id])
        return dict(self._file_info[file_id])

    async def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            if not COMMAND_RE.match(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: command description is empty")
        self.commands[params.get("language_code") or ""] = commands
        return True

    async def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        return self.commands.get(params.get("language_code") or "", [])

    async def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        self.commands.pop(params.get("language_code") or "", None)
        return True

    async def _send_chat_action(self, params: dict[str, Any]) -> bool:
        self._target_chat(params)
        if not params.get("action"):
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True
