"""Test helpers for videos: small MP4 bytes and feeding a video through the recording adapter."""

from __future__ import annotations

import itertools
import struct

from bot.core.types import FileRef, Incoming, Media, Reply
from tests.support import Harness

_ids = itertools.count(1)


def mp4_bytes(seed: int = 0, size: int = 2048) -> bytes:
    """A small MPEG-4 file: an ftyp box (brand isom) and an mdat box of filler, distinct per
    seed (enough for the magic-byte check; no player is involved)."""
    ftyp = struct.pack(">I", 24) + b"ftypisom" + struct.pack(">I", 0x200) + b"isomiso2"
    body = bytes((seed + i) % 251 for i in range(max(size - len(ftyp) - 8, 0)))
    return ftyp + struct.pack(">I", len(body) + 8) + b"mdat" + body


def files_sent(replies: list[Reply], kind: str = "video") -> list[tuple[Reply, Media]]:
    """Each file of `kind` (photo, video, voice) the replies carried, alone or in an album,
    with the reply that carried it."""
    return [(reply, media) for reply in replies
            for media in ([reply.media] if reply.media else []) + reply.album
            if media.kind == kind]


OGG = b"OggS" + bytes(60)  # an Ogg page header is enough for the voice check


async def send_video(h: Harness, user: str, data: bytes, caption: str | None = None, *,
                     size: int | None = None, kind: str = "video") -> list[Reply]:
    """Feed one video message (declared `size` defaults to the real one) from `user`."""
    before = len(h.adapter.sent)
    ref = f"vid{next(_ids)}"
    h.adapter.files[ref] = data
    video = FileRef(ref=ref, size=size if size is not None else len(data), mime="video/mp4",
                    is_image=False, kind=kind, duration=4)
    await h.app.dispatcher.feed(Incoming(
        platform="test", chat_id=user, user_id=user, display_name=user, text=caption,
        documents=[video], update_id=f"uv{next(_ids)}",
    ))
    return [reply for _, reply in h.adapter.sent[before:]]
