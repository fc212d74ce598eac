"""In-memory state of the local web chat: per-chat message history and uploaded files."""

from __future__ import annotations

import asyncio
import base64
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.core.types import Button


def now_iso() -> str:
    """The current UTC time as an ISO 8601 string (seconds precision)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def image_mime(data: bytes) -> str:
    """Guess an image MIME type from its first bytes (PNG when unknown)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "image/png"


@dataclass
class ChatMessage:
    """One bubble of a chat: a bot reply (`sender="bot"`) or what the user sent."""

    id: int
    sender: str
    text: str
    version: int
    created_at: str = field(default_factory=now_iso)
    buttons: list[list[Button]] = field(default_factory=list)
    image: bytes | None = None
    edited_at: str | None = None
    client_id: str | None = None
    attachment: dict[str, Any] | None = None
    gallery: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The message as the page receives it (images become data URLs)."""
        image = None
        if self.image:
            encoded = base64.b64encode(self.image).decode("ascii")
            image = f"data:{image_mime(self.image)};base64,{encoded}"
        return {
            "id": self.id,
            "from": self.sender,
            "text": self.text,
            "buttons": [
                [{"label": b.label, "payload": b.payload} for b in row] for row in self.buttons
            ],
            "image": image,
            "created_at": self.created_at,
            "edited_at": self.edited_at,
            "version": self.version,
            "client_id": self.client_id,
            "attachment": self.attachment,
            "gallery": self.gallery,
        }


class MessageStore:
    """Bounded chat histories with a global change counter and long-poll wake-ups.

    Every append or edit takes the next value of one counter as the message's
    `version` (a new message's id is that same value). A client that has seen every
    change up to cursor N asks for `version > N` and then moves its cursor to the
    counter's current value, so it receives new and edited messages exactly once.
    """

    def __init__(self, max_per_chat: int = 200, max_chats: int = 1000):
        self.max_per_chat = max_per_chat
        self.max_chats = max_chats
        self.seq = 0
        self._chats: OrderedDict[str, OrderedDict[int, ChatMessage]] = OrderedDict()
        self._events: dict[str, asyncio.Event] = {}
        self._waiting: dict[str, int] = {}
        self.closed = False

    def _chat(self, chat_id: str) -> OrderedDict[int, ChatMessage]:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = OrderedDict()
            while len(self._chats) > self.max_chats:
                old_id, _ = self._chats.popitem(last=False)
                self._wake(old_id)
        else:
            self._chats.move_to_end(chat_id)
        return chat

    def _wake(self, chat_id: str) -> None:
        event = self._events.pop(chat_id, None)
        if event is not None:
            event.set()

    def append(self, chat_id: str, sender: str, text: str, **extra: Any) -> ChatMessage:
        """Add a message at the end of a chat and wake its long-pollers."""
        self.seq += 1
        message = ChatMessage(id=self.seq, sender=sender, text=text, version=self.seq, **extra)
        chat = self._chat(chat_id)
        chat[message.id] = message
        while len(chat) > self.max_per_chat:
            chat.popitem(last=False)
        self._wake(chat_id)
        return message

    def get(self, chat_id: str, message_id: int) -> ChatMessage | None:
        """A message still kept in a chat's history, or None."""
        chat = self._chats.get(chat_id)
        return chat.get(message_id) if chat else None

    def find_client(self, chat_id: str, client_id: str) -> ChatMessage | None:
        """The user message a client sent with `client_id`, if still kept."""
        chat = self._chats.get(chat_id)
        if not chat:
            return None
        return next((m for m in chat.values() if m.client_id == client_id), None)

    def edit(
        self,
        chat_id: str,
        message_id: int,
        text: str,
        buttons: list[list[Button]],
        image: bytes | None = None,
    ) -> ChatMessage | None:
        """Replace a kept message's text and buttons (and image if given); None if unknown."""
        message = self.get(chat_id, message_id)
        if message is None:
            return None
        self.seq += 1
        message.text = text
        message.buttons = buttons
        if image is not None:
            message.image = image
        message.version = self.seq
        message.edited_at = now_iso()
        self._chat(chat_id)
        self._wake(chat_id)
        return message

    def since(self, chat_id: str, after: int) -> list[ChatMessage]:
        """Messages of a chat created or edited after cursor `after`, oldest first."""
        chat = self._chats.get(chat_id)
        if not chat:
            return []
        return [m for m in chat.values() if m.version > after]

    async def wait(self, chat_id: str, after: int, timeout: float) -> list[ChatMessage]:
        """`since()`, but wait up to `timeout` seconds for something to change first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            changed = self.since(chat_id, after)
            remaining = deadline - loop.time()
            if changed or self.closed or remaining <= 0:
                return changed
            event = self._events.setdefault(chat_id, asyncio.Event())
            self._waiting[chat_id] = self._waiting.get(chat_id, 0) + 1
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return self.since(chat_id, after)
            finally:
                self._waiting[chat_id] -= 1
                if not self._waiting[chat_id]:
                    del self._waiting[chat_id]
                    if self._events.get(chat_id) is event:
                        del self._events[chat_id]  # nobody left waiting on it

    def close(self) -> None:
        """Wake every long-poller for good and forget all chats."""
        self.closed = True
        for chat_id in list(self._events):
            self._wake(chat_id)
        self._chats.clear()


@dataclass
class Upload:
    """A file a page uploaded, kept in memory until evicted."""

    data: bytes
    mime: str
    file_name: str | None
    owner: str


class UploadStore:
    """Uploaded files keyed by ref, evicting the oldest beyond a total byte budget."""

    def __init__(self, max_total_bytes: int = 200 * 1024 * 1024):
        self.max_total_bytes = max_total_bytes
        self.total = 0
        self._files: OrderedDict[str, Upload] = OrderedDict()

    def put(self, ref: str, upload: Upload) -> None:
        """Keep a file, dropping the oldest ones while over budget."""
        self._files[ref] = upload
        self.total += len(upload.data)
        while self.total > self.max_total_bytes and len(self._files) > 1:
            _, old = self._files.popitem(last=False)
            self.total -= len(old.data)

    def get(self, ref: str) -> Upload | None:
        """The kept file for `ref`, or None."""
        return self._files.get(ref)

    def __contains__(self, ref: object) -> bool:
        return ref in self._files

    def clear(self) -> None:
        """Forget every file."""
        self._files.clear()
        self.total = 0
