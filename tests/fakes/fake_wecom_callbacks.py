"""The WeCom side of the callback: builds member messages and events as WeCom does, encrypts
and signs them with wechatpy's real WeCom crypto, and posts them to the bot."""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import aiohttp
import xmltodict
from wechatpy.enterprise import WeChatCrypto

TOKEN = "wecomToken123"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters -> 32 bytes
CORP_ID = "wwcorp"
AGENT_ID = 1000002


@dataclass
class Posted:
    """One callback as sent: the query, the body and the bot's HTTP answer."""

    params: dict[str, str]
    body: str
    status: int
    answer: str
    seconds: float


class WeComCallbacks:
    """Posts encrypted callbacks to the bot's /wecom/callback, like the WeCom server."""

    def __init__(self, url: str, token: str = TOKEN, aes_key: str = AES_KEY,
                 corp_id: str = CORP_ID, agent_id: int = AGENT_ID):
        self.url = url
        self.crypto = WeChatCrypto(token, aes_key, corp_id)
        self.corp_id, self.agent_id = corp_id, agent_id
        self._msg_ids = itertools.count(7_000_000_000_000_000_001)
        self.clock_offset = 0.0

    def envelope(self, plain_xml: str, timestamp: int | None = None,
                 nonce: str | None = None) -> tuple[dict[str, str], str]:
        """Encrypt and sign `plain_xml`: (query parameters, POST body)."""
        stamp = str(timestamp if timestamp is not None else int(time.time() + self.clock_offset))
        nonce = nonce or secrets.token_hex(5)
        sealed = xmltodict.parse(self.crypto.encrypt_message(plain_xml, nonce, stamp))["xml"]
        body = (f"<xml><ToUserName><![CDATA[{self.corp_id}]]></ToUserName>"
                f"<Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt>"
                f"<AgentID><![CDATA[{self.agent_id}]]></AgentID></xml>")
        params = {"msg_signature": sealed["MsgSignature"], "timestamp": stamp, "nonce": nonce}
        return params, body

    async def post(self, params: dict[str, str], body: str) -> Posted:
        """POST one callback and return the bot's answer (with how long it took)."""
        started = time.monotonic()
        async with aiohttp.ClientSession() as http, http.post(
            self.url, params=params, data=body.encode(), headers={"Content-Type": "text/xml"}
        ) as resp:
            answer = await resp.text()
            return Posted(params, body, resp.status, answer, time.monotonic() - started)

    async def send(self, plain_xml: str, **envelope: Any) -> Posted:
        """Encrypt, sign and post."""
        return await self.post(*self.envelope(plain_xml, **envelope))

    async def verify_url(self, echo: str, *, forge: bool = False) -> tuple[int, str]:
        """WeCom's URL check: GET with an encrypted echostr; the bot must answer it decrypted."""
        stamp, nonce = str(int(time.time())), secrets.token_hex(5)
        sealed = xmltodict.parse(self.crypto.encrypt_message(echo, nonce, stamp))["xml"]
        signature = "0" * 40 if forge else sealed["MsgSignature"]
        params = {"msg_signature": signature, "timestamp": stamp, "nonce": nonce,
                  "echostr": sealed["Encrypt"]}
        async with aiohttp.ClientSession() as http, http.get(self.url, params=params) as resp:
            return resp.status, await resp.text()

    def decrypt_answer(self, posted: Posted) -> dict[str, Any]:
        """The passive reply in an HTTP answer, decrypted and parsed."""
        outer = xmltodict.parse(posted.answer)["xml"]
        plain = self.crypto.decrypt_message(posted.answer, outer["MsgSignature"],
                                            outer["TimeStamp"], outer["Nonce"])
        return xmltodict.parse(plain)["xml"]

    # --- message builders (plain XML as WeCom would encrypt it) ---------------------------------

    def _xml(self, user: str, msg_type: str, fields: dict[str, Any], msg_id: bool = True) -> str:
        parts = [f"<ToUserName><![CDATA[{self.corp_id}]]></ToUserName>",
                 f"<FromUserName><![CDATA[{escape(user)}]]></FromUserName>",
                 f"<CreateTime>{int(time.time())}</CreateTime>",
                 f"<MsgType><![CDATA[{msg_type}]]></MsgType>"]
        parts += [f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()]
        if msg_id:
            parts.append(f"<MsgId>{next(self._msg_ids)}</MsgId>")
        parts.append(f"<AgentID>{self.agent_id}</AgentID>")
        return "<xml>" + "".join(parts) + "</xml>"

    def text(self, user: str, content: str) -> str:
        """A text message."""
        return self._xml(user, "text", {"Content": content})

    def image(self, user: str, media_id: str) -> str:
        """A photo (the bot downloads it with media/get)."""
        return self._xml(user, "image", {"PicUrl": "http://example.invalid/p.jpg",
                                         "MediaId": media_id})

    def voice(self, user: str, media_id: str, recognition: str | None = None) -> str:
        """A voice message, with WeCom's speech recognition text when given."""
        fields = {"MediaId": media_id, "Format": "amr"}
        if recognition is not None:
            fields["Recognition"] = recognition
        return self._xml(user, "voice", fields)

    def video(self, user: str, media_id: str) -> str:
        """A video message (the bot downloads it with media/get)."""
        return self._xml(user, "video", {"MediaId": media_id, "ThumbMediaId": f"T{media_id}"})

    def location(self, user: str, lat: float, lng: float, label: str = "") -> str:
        """A shared location."""
        return self._xml(user, "location", {"Location_X": lat, "Location_Y": lng,
                                            "Scale": 15, "Label": label})

    def event(self, user: str, event: str, key: str = "", **extra: str) -> str:
        """An event (enter_agent, subscribe, click, view, template_card_event…)."""
        return self._xml(user, "event", {"Event": event, "EventKey": key, **extra}, msg_id=False)

    def card_tap(self, user: str, card: dict[str, Any], label: str) -> str:
        """Tap the button whose text contains `label` on a template card we received."""
        for button in card["button_list"]:
            if label in button["text"]:
                return self.event(user, "template_card_event", button["key"],
                                  TaskId=card["task_id"], CardType=card["card_type"],
                                  ResponseCode=secrets.token_hex(8))
        raise AssertionError(f"no button {label!r} on card {card['button_list']}")
