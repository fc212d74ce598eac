"""Decrypted WeCom callback XML -> Incoming (wechatpy's enterprise parser does the XML)."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any

from wechatpy.enterprise import parse_message
from wechatpy.messages import BaseMessage

from bot.core.types import FileRef, Incoming

log = logging.getLogger(__name__)

PLATFORM = "wecom"
MENU_PREFIX = "cmd:"  # custom menu click keys: "cmd:report" runs /report
GREETING_EVENTS = ("enter_agent", "subscribe")
CARD_EVENTS = ("template_card_event", "taskcard_click")
# "绑定 CODE" / "bind CODE": the invite-code binding without typing a slash command.
BIND_TEXT = re.compile(r"^\s*(?:绑定|綁定|bind)[\s:：]*([A-Za-z0-9]{4,32})\s*$", re.IGNORECASE)
VOICE_MIME = {"amr": "audio/amr", "speex": "audio/speex", "silk": "audio/silk"}


@dataclass
class Parsed:
    """One callback: the update for the dispatcher (None if ignored) and what it was."""

    incoming: Incoming | None
    kind: str  # "text", "image", …, or the event name
    agent_id: str | None
    card_key: str | None = None  # the EventKey of a template card tap


def parse(xml: str) -> Parsed:
    """Parse decrypted callback XML; raises ValueError when it is not a WeCom message."""
    try:
        message = parse_message(xml)
    except Exception as exc:  # xmltodict/expat errors, missing MsgType/Event
        raise ValueError(f"not a WeCom message: {exc}") from exc
    if message is None:
        raise ValueError("empty message")
    raw: dict[str, Any] = message._data  # wechatpy keeps the raw fields it does not model
    kind = str(raw.get("Event") or raw.get("MsgType") or "").lower()
    agent = raw.get("AgentID")
    agent_id = str(agent).strip() if agent not in (None, "") else None
    incoming = to_incoming(message, raw, kind)
    card_key = incoming.callback if incoming is not None and kind in CARD_EVENTS else None
    return Parsed(incoming, kind, agent_id, card_key)


def to_incoming(message: BaseMessage, raw: dict[str, Any], kind: str) -> Incoming | None:
    """Map one parsed message or event to an Incoming (None for what the bot ignores)."""
    user = str(raw.get("FromUserName") or "").strip()
    if not user or len(user) > 64:
        return None
    base: dict[str, Any] = {
        "platform": PLATFORM,
        "chat_id": user,
        "user_id": user,
        "update_id": update_id(raw),
    }
    msg_type = str(raw.get("MsgType") or "").lower()
    if msg_type == "event":
        return _event(raw, kind, base)
    if msg_type == "text":
        return _text(str(raw.get("Content") or ""), base, raw)
    if msg_type == "image":
        media_id = str(raw.get("MediaId") or "")
        if not media_id:
            return None
        photo = FileRef(ref=media_id, mime="image/jpeg", file_name=f"{media_id[:16]}.jpg")
        return Incoming(**base, photos=[photo], message_id=_msg_id(raw))
    if msg_type == "voice":
        return _voice(raw, base)
    if msg_type == "location":
        try:
            where = (float(raw["Location_X"]), float(raw["Location_Y"]))  # latitude, longitude
        except (KeyError, TypeError, ValueError):
            return None
        return Incoming(**base, location=where, message_id=_msg_id(raw))
    if msg_type in ("video", "shortvideo"):
        media_id = str(raw.get("MediaId") or "")
        video = FileRef(ref=media_id, mime="video/mp4", file_name=f"{media_id[:16]}.mp4",
                        is_image=False, kind="video")
        return Incoming(**base, documents=[video], message_id=_msg_id(raw)) if media_id else None
    if msg_type == "file":
        media_id = str(raw.get("MediaId") or "")
        doc = FileRef(ref=media_id, file_name=raw.get("FileName"), is_image=False)
        return Incoming(**base, documents=[doc], message_id=_msg_id(raw)) if media_id else None
    if msg_type in ("link", "miniprogram", "card", "emotion"):
        return Incoming(**base, unsupported=msg_type, message_id=_msg_id(raw))
    log.info("ignoring WeCom %s message from %s", msg_type, user)
    return None


def _text(content: str, base: dict[str, Any], raw: dict[str, Any]) -> Incoming:
    command, args = parse_command(content)
    return Incoming(**base, text=content, command=command, args=args, message_id=_msg_id(raw))


def _voice(raw: dict[str, Any], base: dict[str, Any]) -> Incoming | None:
    """A voice message: WeCom's speech recognition text when present, else the recording."""
    recognition = str(raw.get("Recognition") or "").strip()
    if recognition:
        return _text(recognition, base, raw)
    media_id = str(raw.get("MediaId") or "")
    if not media_id:
        return None
    fmt = str(raw.get("Format") or "amr").lower()
    voice = FileRef(ref=media_id, mime=VOICE_MIME.get(fmt, "audio/amr"),
                    file_name=f"voice.{fmt}", is_image=False, kind="voice")
    return Incoming(**base, documents=[voice], message_id=_msg_id(raw))


def _event(raw: dict[str, Any], kind: str, base: dict[str, Any]) -> Incoming | None:
    key = str(raw.get("EventKey") or "").strip()
    if kind in GREETING_EVENTS:
        return Incoming(**base, command="start")
    if kind == "click":
        if key.startswith(MENU_PREFIX) and key[len(MENU_PREFIX):].isidentifier():
            return Incoming(**base, command=key[len(MENU_PREFIX):].lower())
        log.info("ignoring WeCom menu click with unknown key %r", key[:64])
        return None
    if kind in CARD_EVENTS:
        if not key:
            return None
        task = str(raw.get("TaskId") or "") or None
        return Incoming(**base, callback=key, message_id=task)
    # view (a menu link was opened), unsubscribe (we can no longer write to them), location
    # reports on entering the app, contact changes…: nothing to answer.
    log.debug("ignoring WeCom event %s", kind)
    return None


def parse_command(text: str | None) -> tuple[str | None, list[str]]:
    """"/cmd a b" (also with a full-width "／") -> ("cmd", ["a", "b"]); "绑定 CODE" -> start."""
    if not text:
        return None, []
    bound = BIND_TEXT.match(text)
    if bound:
        return "start", [bound.group(1)]
    stripped = text.strip()
    if not stripped.startswith(("/", "／")):
        return None, []
    parts = stripped[1:].split()
    if not parts:
        return None, []
    head, *args = parts
    if not (head.isascii() and head.replace("_", "").isalnum()):
        return None, []
    return head.lower(), args


def update_id(raw: dict[str, Any]) -> str:
    """WeCom's MsgId for messages; a digest of sender, time, event and key for events."""
    msg_id = str(raw.get("MsgId") or "").strip()
    if msg_id and msg_id != "0":
        return f"m{msg_id}"[:64]
    parts = [str(raw.get(name) or "") for name in
             ("FromUserName", "CreateTime", "Event", "EventKey", "TaskId", "ResponseCode")]
    return "e" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def _msg_id(raw: dict[str, Any]) -> str | None:
    value = str(raw.get("MsgId") or "").strip()
    return value or None
