"""Injecting updates into the fake Bot API: texts, photos, documents, button presses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, overload

from tests.fakes.bot_api_updates import chat_dict, command_entities, now, user_dict


class UpdateInjection:
    """push_* helpers that build realistic updates (mixed into FakeBotApi)."""

    bot_user: dict[str, Any]
    _seq: dict[str, int]
    _messages: dict[tuple[int | str, int], dict[str, Any]]
    _chats: dict[int | str, dict[str, Any]]

    if TYPE_CHECKING:

        def register_file(
            self, data: bytes, kind: str = "photos", file_name: str | None = None,
            declared_size: int | None = None,
        ) -> dict: ...

        def photo_sizes_for(self, data: bytes) -> list[dict[str, Any]]: ...

        def _next_message_id(self) -> int: ...

        def _deliver(self, update: dict[str, Any], sticky: bool = False) -> None: ...

    def push_text(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        first_name: str = "Test",
        language_code: str | None = "zh-hans",
    ) -> dict[str, Any]:
        """Queue a text message (with a bot_command entity when it starts with /)."""
        content: dict[str, Any] = {"text": text}
        if entities := command_entities(text):
            content["entities"] = entities
        return self._push_message(user_id, chat_id, first_name, language_code, content)

    @overload
    def push_photo(
        self,
        user_id: int,
        images: bytes,
        caption: str | None = ...,
        chat_id: int | None = ...,
        first_name: str = ...,
        language_code: str | None = ...,
    ) -> dict[str, Any]: ...
    @overload
    def push_photo(
        self,
        user_id: int,
        images: list[bytes],
        caption: str | None = ...,
        chat_id: int | None = ...,
        first_name: str = ...,
        language_code: str | None = ...,
    ) -> list[dict[str, Any]]: ...

    def push_photo(
        self,
        user_id: int,
        images: bytes | list[bytes],
        caption: str | None = None,
        chat_id: int | None = None,
        first_name: str = "Test",
        language_code: str | None = "zh-hans",
    ) -> dict[str, Any] | list[dict[str, Any]]:
        """Queue one photo message, or an album (one message per image, same media_group_id)."""
        single = isinstance(images, bytes | bytearray)
        items = [bytes(images)] if single else [bytes(image) for image in images]  # type: ignore[union-attr]
        group = f"mg{self._seq['update'] + 1}" if len(items) > 1 else None
        updates = []
        for index, data in enumerate(items):
            content: dict[str, Any] = {"photo": self.photo_sizes_for(data)}
            if group:
                content["media_group_id"] = group
            if caption is not None and index == 0:
                content.update(self._caption(caption))
            updates.append(self._push_message(user_id, chat_id, first_name, language_code, content))
        return updates[0] if single else updates

    def push_document(
        self,
        user_id: int,
        data: bytes,
        file_name: str,
        mime_type: str,
        caption: str | None = None,
        chat_id: int | None = None,
        first_name: str = "Test",
        language_code: str | None = "zh-hans",
    ) -> dict[str, Any]:
        """Queue a document (file) message."""
        info = self.register_file(data, "documents", file_name)
        document = {
            "file_id": info["file_id"],
            "file_unique_id": info["file_unique_id"],
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        content: dict[str, Any] = {"document": document}
        if caption is not None:
            content.update(self._caption(caption))
        return self._push_message(user_id, chat_id, first_name, language_code, content)

    def push_voice(
        self, user_id: int, data: bytes, chat_id: int | None = None, first_name: str = "Test",
        language_code: str | None = "zh-hans",
    ) -> dict[str, Any]:
        """Queue a voice message (an Ogg/Opus recording)."""
        info = self.register_file(data, "voice", "voice.oga")
        voice = {"file_id": info["file_id"], "file_unique_id": info["file_unique_id"],
                 "duration": 2, "mime_type": "audio/ogg", "file_size": len(data)}
        return self._push_message(user_id, chat_id, first_name, language_code, {"voice": voice})

    def push_location(
        self,
        user_id: int,
        latitude: float,
        longitude: float,
        chat_id: int | None = None,
        first_name: str = "Test",
        language_code: str | None = "zh-hans",
    ) -> dict[str, Any]:
        """Queue a location message."""
        content = {"location": {"latitude": latitude, "longitude": longitude}}
        return self._push_message(user_id, chat_id, first_name, language_code, content)

    def push_callback(
        self,
        user_id: int,
        data: str,
        message_id: int,
        chat_id: int | None = None,
        first_name: str = "Test",
        language_code: str | None = "zh-hans",
    ) -> dict[str, Any]:
        """Queue a button press on `message_id` (the bot's message if the fake knows it)."""
        user = user_dict(user_id, first_name, language_code)
        cid = user_id if chat_id is None else chat_id
        message = self._messages.get((cid, message_id)) or {
            "message_id": message_id,
            "date": now(),
            "from": self.bot_user,
            "text": "…",
            "chat": self._chats.get(cid) or chat_dict(cid, user),
        }
        self._seq["callback"] += 1
        query = {
            "id": str(4000000000 + self._seq["callback"]),
            "from": user,
            "chat_instance": f"ci{cid}",
            "data": data,
            "message": message,
        }
        return self.push_raw({"callback_query": query})

    def push_raw(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update dict as given (an update_id is added when missing)."""
        if "update_id" not in update:
            self._seq["update"] += 1
            update = {"update_id": self._seq["update"], **update}
        self._deliver(update)
        return update

    def redeliver(self, update: dict[str, Any]) -> dict[str, Any]:
        """Deliver the very same update (same update_id) again, as Telegram does after a timeout."""
        self._deliver(update, sticky=True)
        return update

    def _caption(self, caption: str) -> dict[str, Any]:
        content: dict[str, Any] = {"caption": caption}
        if entities := command_entities(caption):
            content["caption_entities"] = entities
        return content

    def _push_message(
        self,
        user_id: int,
        chat_id: int | None,
        first_name: str,
        language_code: str | None,
        content: dict[str, Any],
    ) -> dict[str, Any]:
        user = user_dict(user_id, first_name, language_code)
        cid = user_id if chat_id is None else chat_id
        chat = self._chats.setdefault(cid, chat_dict(cid, user))
        message = {
            "message_id": self._next_message_id(),
            "date": now(),
            "chat": chat,
            "from": user,
            **content,
        }
        self._messages[(cid, message["message_id"])] = message
        return self.push_raw({"message": message})
