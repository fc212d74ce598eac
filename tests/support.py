"""Test helpers: a recording adapter and a harness that drives the whole app through it."""

from __future__ import annotations

import itertools
import os
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from bot.app import HouqinApp
from bot.config import Settings
from bot.core.types import Address, BaseAdapter, DeliveryError, FileRef, Incoming, Reply
from models.people import Identity, Person, write_tags
from models.places import Place
from tests.db_templates import migrated_postgres, migrated_sqlite, pg_database_name

_ids = itertools.count(1)


def png_bytes(width: int = 4, height: int = 3, seed: int = 0) -> bytes:
    """A small valid PNG (distinct per seed)."""
    raw = b"".join(
        b"\x00" + bytes([(seed + y * width + x) % 256 for x in range(width)] * 3)[: width * 3]
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return (
            struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@dataclass
class RecordingAdapter(BaseAdapter):
    """An in-memory platform: records every reply, serves files, can be told to fail."""

    platform: str = "test"
    sent: list[tuple[Address, Reply]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    failures: int = 0

    async def start(self, feed) -> None:
        """Keep the feed."""
        self.feed = feed

    async def send(self, address: Address, reply: Reply) -> None:
        """Record (or fail, while `failures` is positive)."""
        if self.failures > 0:
            self.failures -= 1
            raise DeliveryError("injected failure", retry_after=0)
        self.sent.append((address, reply))

    async def fetch_file(self, ref: str) -> bytes:
        """Serve a file registered in `files`."""
        return self.files[ref]

    async def stop(self) -> None:
        """Nothing to release."""


PG_DSN = os.environ.get("HOUQIN_TEST_PG_DSN", "").rstrip("/")


def database_url(tmp_path, *, empty: bool = False) -> str:
    """A database of this test's own: a SQLite file in tmp_path, or (with HOUQIN_TEST_PG_DSN
    set, e.g. postgres://houqin:houqin@127.0.0.1:5432) a PostgreSQL database named after it.
    It starts as a copy of the migrated template (tests/db_templates.py), tables empty;
    `empty`: no database yet (the app or the test creates it)."""
    if not PG_DSN:
        path = Path(tmp_path) / "houqin.sqlite3"
        return f"sqlite://{path}" if empty else migrated_sqlite(path)
    name = pg_database_name(tmp_path)
    return f"{PG_DSN}/{name}" if empty else migrated_postgres(PG_DSN, name)


def make_settings(tmp_path, **overrides) -> Settings:
    """Settings for a test: its own database, no web chat, no Telegram, slow scheduler."""
    values = {
        "media_dir": str(tmp_path / "media"),
        "webchat": False,
        "outbox_interval_seconds": 3600,
        "default_locale": "zh_CN",
    }
    values.update(overrides)
    if "database_url" not in values:
        values["database_url"] = database_url(tmp_path)
    return Settings(_env_file=None, **values)


class Harness:
    """Drives a real HouqinApp through a RecordingAdapter, user by user."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.adapter = RecordingAdapter()
        self.app = HouqinApp(settings, extra_adapters=[self.adapter])
        self.languages: dict[str, str] = {}
        self.names: dict[str, str] = {}

    async def start(self) -> None:
        """Start the app (no HTTP server)."""
        await self.app.start(serve_http=False, schema="generate")

    async def stop(self) -> None:
        """Stop the app."""
        await self.app.stop()

    async def restart(self) -> None:
        """Stop and start a fresh app on the same database and adapter records."""
        await self.stop()
        recorded = self.adapter
        self.app = HouqinApp(self.settings, extra_adapters=[recorded])
        await self.start()

    async def send(
        self,
        user: str,
        text: str | None = None,
        *,
        callback: str | None = None,
        photos: list[bytes] | None = None,
        documents: list[tuple[bytes, str]] | None = None,
        update_id: str | None = None,
        message_id: str | None = None,
        size: int | None = None,
        language: str | None = None,
        name: str = "",
        location: tuple[float, float] | None = None,
        voice: bytes | None = None,
    ) -> list[Reply]:
        """Feed one update from `user`; return the replies it produced."""
        before = len(self.adapter.sent)
        refs = []
        for data in photos or []:
            ref = f"f{next(_ids)}"
            self.adapter.files[ref] = data
            refs.append(FileRef(ref=ref, size=size or len(data), mime="image/png"))
        docs = []
        for data, mime in documents or []:
            ref = f"d{next(_ids)}"
            self.adapter.files[ref] = data
            docs.append(FileRef(ref=ref, size=len(data), mime=mime, is_image=False))
        if voice is not None:
            ref = f"v{next(_ids)}"
            self.adapter.files[ref] = voice
            docs.append(FileRef(ref=ref, size=len(voice), mime="audio/amr", is_image=False,
                                kind="voice"))
        command, args = None, []
        if text and text.startswith("/"):
            command, *args = text[1:].split()
        await self.app.dispatcher.feed(
            Incoming(
                platform="test",
                chat_id=user,
                user_id=user,
                display_name=name or self.names.get(user, user),
                text=text,
                command=command,
                args=args,
                callback=callback,
                photos=refs,
                documents=docs,
                location=location,
                update_id=update_id or f"u{next(_ids)}",
                message_id=message_id,
                language=language or self.languages.get(user),
            )
        )
        return [reply for _, reply in self.adapter.sent[before:]]

    def replies_to(self, user: str) -> list[Reply]:
        """Every reply sent to `user`'s chat."""
        return [r for a, r in self.adapter.sent if a.chat_id == user]

    def last(self, user: str) -> Reply:
        """The latest reply to `user`."""
        return self.replies_to(user)[-1]

    async def press(self, user: str, label: str) -> list[Reply]:
        """Press the newest button whose label contains `label`."""
        for reply in reversed(self.replies_to(user)):
            for row in reply.buttons:
                for button in row:
                    if label in button.label:
                        return await self.send(user, callback=button.payload, message_id="m1")
        raise AssertionError(f"no button {label!r} in replies to {user}")


async def seed_small_campus() -> dict[str, Person]:
    """Building 3 with rooms 3-402 and 3-403, the library, and people of each role."""
    from bot.services.people.service import PeopleService

    b3 = await Place.create(code="3", kind="building", name_zh="3号楼", name_en="Building 3")
    for room in ("402", "403", "502"):
        await Place.create(
            code=f"3-{room}",
            kind="room",
            name_zh=f"3号楼{room}",
            name_en=f"Building 3, Room {room}",
            parent=b3,
        )
    await Place.create(
        code="LIB", kind="area", name_zh="图书馆", name_en="Library", aliases=["library", "tsg"]
    )
    people = PeopleService()
    made = {
        "student": await people.create("张三", ["reporter"], phone="13800000001"),
        "student2": await people.create("李四", ["reporter"], phone="13800000002", locale="en"),
        "worker": await people.create("王师傅", ["worker"], skills=["plumbing"]),
        "manager": await people.create("陈主任", ["manager"]),
    }
    for key, person in made.items():
        await people.bind(person, "test", key, key)
    return made


FIRST_CHAT = 500_000


async def seed_telegram_people(count: int, first_chat: int = FIRST_CHAT) -> Person:
    """`count` people with one Telegram chat each (a manager on chat 1, then reporters on chats
    `first_chat`, `first_chat`+1, …); returns the manager."""
    manager = await Person.create(name="陈主任", roles=["reporter", "manager"], locale="zh_CN")
    await Identity.create(person=manager, platform="telegram", user_id="1", chat_id="1")
    await Person.bulk_create(
        [Person(name=f"学生{i}", roles=["reporter"], zone="north") for i in range(count - 1)],
        batch_size=500,
    )
    people = await Person.filter(name__startswith="学生").order_by("id")
    await write_tags(people)  # bulk_create skips Person.save, which keeps person_tag
    await Identity.bulk_create(
        [
            Identity(
                person=p,
                platform="telegram",
                user_id=str(first_chat + i),
                chat_id=str(first_chat + i),
            )
            for i, p in enumerate(people)
        ],
        batch_size=500,
    )
    return manager
