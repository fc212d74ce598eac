"""The small platform-neutral types every adapter and handler speaks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.delivery.ratelimit import PlatformLimits


@dataclass(frozen=True)
class Address:
    """Where a message goes: one chat on one platform."""

    platform: str
    chat_id: str


VIDEO_KINDS = ("video", "video_note")


@dataclass
class FileRef:
    """A file the user sent, as the platform refers to it (downloaded on demand)."""

    ref: str
    size: int | None = None
    mime: str | None = None
    file_name: str | None = None
    is_image: bool = True
    kind: str = "photo"  # "photo", "file", "voice", "video" or "video_note" (kept like photos)
    duration: int | None = None  # seconds, for recordings and videos when the platform says


@dataclass
class Incoming:
    """One update from a user, whatever the platform."""

    platform: str
    chat_id: str
    user_id: str
    display_name: str = ""
    text: str | None = None
    command: str | None = None
    args: list[str] = field(default_factory=list)
    callback: str | None = None
    photos: list[FileRef] = field(default_factory=list)
    documents: list[FileRef] = field(default_factory=list)
    location: tuple[float, float] | None = None
    language: str | None = None
    update_id: str | None = None
    accepted: bool = False  # recorded as received already (the WeCom endpoint does it first)
    message_id: str | None = None
    # what the user sent that the bot cannot use ("sticker", "contact", "link", "file", …)
    unsupported: str | None = None

    @property
    def address(self) -> Address:
        """The chat this update came from."""
        return Address(self.platform, self.chat_id)

    def to_dict(self) -> dict[str, Any]:
        """What the user sent, as JSON (kept in the conversation state across a restart)."""
        return {
            "platform": self.platform, "chat_id": self.chat_id, "user_id": self.user_id,
            "display_name": self.display_name, "text": self.text, "command": self.command,
            "args": list(self.args), "photos": [asdict(f) for f in self.photos],
            "documents": [asdict(f) for f in self.documents],
            "location": list(self.location) if self.location else None,
            "language": self.language,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Incoming:
        """Rebuild an update kept by `to_dict` (not a redelivery: no update or message id)."""
        location = data.get("location")
        return cls(
            platform=data["platform"], chat_id=data["chat_id"], user_id=data["user_id"],
            display_name=data.get("display_name") or "", text=data.get("text"),
            command=data.get("command"), args=list(data.get("args") or []),
            photos=[FileRef(**f) for f in data.get("photos") or []],
            documents=[FileRef(**f) for f in data.get("documents") or []],
            location=(float(location[0]), float(location[1])) if location else None,
            language=data.get("language"),
        )

    @property
    def voices(self) -> list[FileRef]:
        """The voice recordings among the documents."""
        return [doc for doc in self.documents if doc.kind == "voice"]

    @property
    def videos(self) -> list[FileRef]:
        """The videos (and round video notes) among the documents."""
        return [doc for doc in self.documents if doc.kind in VIDEO_KINDS]


@dataclass
class Button:
    """One choice: a label shown to the user and the payload sent back."""

    label: str
    payload: str


ALBUM_LIMIT = 10  # photos and videos per album (Telegram's sendMediaGroup maximum)


@dataclass
class Media:
    """A photo, video or voice recording to send: its bytes, or a stored file's path (read when
    sent, so the outbox keeps a path, not megabytes), or a file id the platform `ref_platform`
    gave."""

    kind: str  # "photo", "video" or "voice"
    data: bytes | None = None
    path: str | None = None
    ref: str | None = None
    ref_platform: str | None = None
    mime: str | None = None
    file_name: str | None = None

    def load(self) -> bytes:
        """The bytes to upload (from `data` or the stored file); OSError when gone."""
        if self.data is not None:
            return self.data
        if self.path is None:
            raise FileNotFoundError("media without bytes or path")
        return Path(self.path).read_bytes()

    def ref_for(self, platform: str) -> str | None:
        """The platform's own file id, when it came from that platform."""
        return self.ref if self.ref and self.ref_platform == platform else None

    def to_dict(self) -> dict[str, Any]:
        """Serialize for the outbox (bytes hex-encoded; a path or file id as is)."""
        return {
            "kind": self.kind, "data": self.data.hex() if self.data is not None else None,
            "path": self.path, "ref": self.ref, "ref_platform": self.ref_platform,
            "mime": self.mime, "file_name": self.file_name,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Media:
        """Rebuild media stored by `to_dict`."""
        raw = data.get("data")
        return cls(
            kind=data["kind"], data=bytes.fromhex(raw) if raw else None, path=data.get("path"),
            ref=data.get("ref"), ref_platform=data.get("ref_platform"), mime=data.get("mime"),
            file_name=data.get("file_name"),
        )


@dataclass
class Reply:
    """What the bot says: text, optional button rows, optional image, video or voice
    recording (`media`), or an album of photos and videos shown together (`album`, at most
    ALBUM_LIMIT), optional edit target."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    image: bytes | None = None
    edit_message_id: str | None = None
    media: Media | None = None
    album: list[Media] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Serialize for the outbox (image bytes are stored hex-encoded)."""
        return {
            "text": self.text,
            "buttons": [[[b.label, b.payload] for b in row] for row in self.buttons],
            "image": self.image.hex() if self.image else None,
            "edit_message_id": self.edit_message_id,
            "media": self.media.to_dict() if self.media else None,
            "album": [item.to_dict() for item in self.album],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        """Rebuild a reply stored by `to_dict`."""
        return cls(
            text=data["text"],
            buttons=[[Button(label, payload) for label, payload in row] for row in data["buttons"]],
            image=bytes.fromhex(data["image"]) if data.get("image") else None,
            edit_message_id=data.get("edit_message_id"),
            media=Media.from_dict(data["media"]) if data.get("media") else None,
            album=[Media.from_dict(item) for item in data.get("album") or []],
        )


class DeliveryError(Exception):
    """A send failed; `retry_after` (seconds) when the platform asked us to wait,
    `permanent` when retrying cannot help (e.g. the user blocked the bot).

    A batched send that reached some recipients names the chats still owed the message in
    `failed_chat_ids` (None: the whole batch failed). With a `retry_after`, `bot_wide` says
    whether the platform meant the whole bot (True), only the chats of this call (False), or did
    not say (None: delivery infers it)."""

    failed_chat_ids: Sequence[str] | None = None

    def __init__(
        self,
        message: str,
        retry_after: float | None = None,
        permanent: bool = False,
        bot_wide: bool | None = None,
    ):
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent
        self.bot_wide = bot_wide


Feed = Callable[[Incoming], Awaitable[None]]
# records an update as received before it is confirmed to the platform: False for a redelivery;
# raises when the database cannot record it (the platform is then asked to send it again)
Accept = Callable[[Incoming], Awaitable[bool]]
# Records a batch of updates at once (one statement): per update, False for a redelivery.
AcceptMany = Callable[[list[Incoming]], Awaitable[list[bool]]]


class Adapter(Protocol):
    """A messenger transport. Holds no business logic and never touches the database.

    Besides receiving and sending, an adapter tells delivery how to pace it: `batch_limit`,
    the most recipients one `send_batch` call takes (1: one message per call), and
    `rate_limits`, the platform's own limits when the settings configure none (None: no limit).
    `BaseAdapter` gives the defaults."""

    platform: str
    batch_limit: int
    rate_limits: PlatformLimits | None
    accept: Accept | None
    accept_many: AcceptMany | None

    async def start(self, feed: Feed) -> None:
        """Begin receiving updates, passing each one to `feed`."""

    async def send(self, address: Address, reply: Reply) -> None:
        """Deliver one reply; raise DeliveryError on failure."""

    async def send_batch(self, chat_ids: list[str], reply: Reply) -> None:
        """Deliver the same reply to many chats of this platform (at most `batch_limit`);
        raise DeliveryError (with `failed_chat_ids` when some were reached)."""

    async def fetch_file(self, ref: str) -> bytes:
        """Download a file the user sent."""

    async def stop(self) -> None:
        """Stop receiving and release resources."""


class BaseAdapter:
    """The defaults of the Adapter protocol for a transport that sends one message per call:
    no batching, no limits of its own; `send_batch` sends to each chat in turn."""

    platform: str
    batch_limit: int = 1
    rate_limits: PlatformLimits | None = None
    accept: Accept | None = None  # injected by the app (Dispatcher.accept)
    accept_many: AcceptMany | None = None  # injected by the app (Dispatcher.accept_many)

    async def send(self, address: Address, reply: Reply) -> None:
        """Deliver one reply; every adapter implements it."""
        raise NotImplementedError

    async def send_batch(self, chat_ids: list[str], reply: Reply) -> None:
        """Send to the chats one by one; a failure names the chats not reached yet."""
        for i, chat_id in enumerate(chat_ids):
            try:
                await self.send(Address(self.platform, chat_id), reply)
            except DeliveryError as exc:
                if exc.failed_chat_ids is None:
                    exc.failed_chat_ids = list(chat_ids[i:])
                raise
