"""Videos and voice notes in the fake Bot API: sendVideo / sendVoice / sendAudio / sendDocument,
sendMediaGroup (albums of 2–10 photos and videos), and injecting video / video_note messages
(getFile refuses files over 20 MB, as Telegram does)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.fakes.bot_api_updates import ApiError, inline_markup, validate_markup, validate_text

GET_FILE_LIMIT = 20 * 1024 * 1024  # the hosted Bot API's getFile limit
# method -> (parameter holding the file, message field it becomes)
MEDIA_METHODS = {
    "sendVideo": ("video", "video"),
    "sendVoice": ("voice", "voice"),
    "sendAudio": ("audio", "audio"),
    "sendDocument": ("document", "document"),
}


class BotApiMedia:
    """Media method implementations and injections (state lives on FakeBotApi)."""

    files: dict[str, bytes]

    if TYPE_CHECKING:
        def register_file(self, data: bytes, kind: str = "photos", file_name: str | None = None,
                          declared_size: int | None = None) -> dict: ...

        def _target_chat(self, params: dict[str, Any]) -> int | str: ...

        def _bot_message(self, chat_id: int | str, content: dict[str, Any]) -> dict[str, Any]: ...

        def _record(self, method: str, message: dict[str, Any], params: dict[str, Any]) -> None:
            ...

        def _push_message(self, user_id: int, chat_id: int | None, first_name: str,
                          language_code: str | None, content: dict[str, Any]) -> dict[str, Any]:
            ...

        def _caption(self, caption: str) -> dict[str, Any]: ...

        def _next_message_id(self) -> int: ...

        def photo_sizes_for(self, data: bytes) -> list[dict[str, Any]]: ...

    def media_methods(self) -> dict[str, Any]:
        """Bot API method name -> implementation, for the media senders."""
        methods = {name: self._media_sender(name) for name in MEDIA_METHODS}
        methods["sendMediaGroup"] = self._send_media_group
        return methods

    async def _send_media_group(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """An album as Telegram takes it: 2–10 InputMedia (photo/video), files attached by
        name or given by file id, a caption on any item, no reply_markup; one message each."""
        chat_id = self._target_chat(params)
        items = params.get("media")
        if not isinstance(items, list) or not 2 <= len(items) <= 10:
            raise ApiError(400, "Bad Request: wrong number of media in the album (2-10)")
        if "reply_markup" in params:
            raise ApiError(400, "Bad Request: media groups cannot have an inline keyboard")
        album: list[tuple[str, bytes, str | None]] = []
        for item in items:
            kind, source = item.get("type"), item.get("media")
            if kind not in ("photo", "video"):
                raise ApiError(400, f"Bad Request: media of type {kind!r} in a mixed album")
            if isinstance(source, str) and source.startswith("attach://"):
                data = params.get(source.removeprefix("attach://"))
            else:
                data = self.files.get(source) if isinstance(source, str) else None
            if not isinstance(data, bytes) or not data:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            validate_text(item.get("caption"), 1024, caption=True)
            album.append((kind, data, item.get("caption")))
        group_id = str(self._next_message_id() * 1000)
        messages = []
        for kind, data, caption in album:
            content: dict[str, Any] = {"media_group_id": group_id, "caption": caption or None}
            if kind == "photo":
                content["photo"] = self.photo_sizes_for(data)
            else:
                info = self.register_file(data, "videos")
                content["video"] = {"file_id": info["file_id"], "file_size": len(data),
                                    "file_unique_id": info["file_unique_id"], "duration": 1,
                                    "width": 320, "height": 240}
            message = self._bot_message(chat_id, content)
            self._record("sendMediaGroup", message, {**params, kind: data})
            messages.append(message)
        return messages

    def _media_sender(self, method: str) -> Any:
        field, kind = MEDIA_METHODS[method]

        async def send(params: dict[str, Any]) -> dict[str, Any]:
            chat_id = self._target_chat(params)
            source = params.get(field)
            if isinstance(source, bytes):
                if not source:
                    raise ApiError(400, "Bad Request: file must be non-empty")
                data = source
            elif isinstance(source, str) and source in self.files:
                data = self.files[source]
            else:
                raise ApiError(400, f"Bad Request: there is no {field} in the request")
            validate_text(params.get("caption"), 1024, caption=True)
            validate_markup(params.get("reply_markup"))
            info = self.register_file(data, kind + "s")
            item: dict[str, Any] = {"file_id": info["file_id"], "file_size": len(data),
                                    "file_unique_id": info["file_unique_id"]}
            if kind != "document":
                item["duration"] = 1
            if kind == "video":
                item.update(width=320, height=240)
            content = {
                kind: item,
                "caption": params.get("caption") or None,
                "reply_markup": inline_markup(params.get("reply_markup")),
            }
            message = self._bot_message(chat_id, content)
            self._record(method, message, params)
            return message

        return send

    def push_video(
        self, user_id: int, data: bytes, caption: str | None = None, *,
        declared_size: int | None = None, size_in_message: bool = True, duration: int = 5,
        mime_type: str = "video/mp4",
        chat_id: int | None = None, first_name: str = "Test", language_code: str | None = "zh-hans",
    ) -> dict[str, Any]:
        """Queue a video message; `declared_size` is the file_size Telegram reports (e.g. 30 MB
        for a file getFile will refuse), left out of the message with `size_in_message=False`."""
        info = self.register_file(data, "videos", "clip.mp4", declared_size)
        video = {"file_id": info["file_id"], "file_unique_id": info["file_unique_id"],
                 "width": 640, "height": 360, "duration": duration, "mime_type": mime_type,
                 "file_name": "clip.mp4", "file_size": info["file_size"]}
        if not size_in_message:  # file_size is optional in a Video: only getFile tells
            del video["file_size"]
        content: dict[str, Any] = {"video": video}
        if caption is not None:
            content.update(self._caption(caption))
        return self._push_message(user_id, chat_id, first_name, language_code, content)

    def push_video_note(
        self, user_id: int, data: bytes, *, duration: int = 8, chat_id: int | None = None,
        first_name: str = "Test", language_code: str | None = "zh-hans",
    ) -> dict[str, Any]:
        """Queue a round video note (no caption, no MIME type: always MPEG-4)."""
        info = self.register_file(data, "video_notes", "note.mp4")
        note = {"file_id": info["file_id"], "file_unique_id": info["file_unique_id"],
                "length": 240, "duration": duration, "file_size": len(data)}
        return self._push_message(user_id, chat_id, first_name, language_code,
                                  {"video_note": note})


def check_get_file_size(info: dict[str, Any]) -> None:
    """getFile's refusal of files over 20 MB."""
    if int(info.get("file_size") or 0) > GET_FILE_LIMIT:
        raise ApiError(400, "Bad Request: file is too big")
