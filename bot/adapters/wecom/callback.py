"""The WeCom callback's security: signature check and decryption (wechatpy's WeCom crypto),
stale timestamps and replayed nonces rejected, and encryption of passive replies.

Replay protection works in two layers:
- here, in memory: a request whose timestamp is more than `window` seconds away from our clock
  is refused, and a (timestamp, nonce, signature) seen before inside the window is dropped. The
  memory is bounded because an entry is only needed while its timestamp is inside the window
  (after that the stale check refuses it), plus a hard cap on the number of entries.
- in the database: every accepted message carries an update id (WeCom's MsgId, or for events a
  digest of sender, time, event and key) that the dispatcher records in `processed_update`, so
  a message replayed with a fresh nonce, or after a restart wiped this memory, is still handled
  only once. Persisting nonces as well would add a write per request and buy nothing more.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from xml.parsers.expat import ExpatError

from wechatpy.enterprise import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException

REPLAY_WINDOW = 300.0  # seconds; WeCom sends callbacks at once and retries within seconds
MAX_REMEMBERED = 100_000


class CallbackRejected(Exception):
    """The request must not be processed; `status` is the HTTP status to answer."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class ReplayedCallback(Exception):
    """A correctly signed request we have already accepted (answered 200, not processed)."""


class CallbackGuard:
    """Verifies, decrypts and de-duplicates WeCom callback requests."""

    def __init__(
        self,
        token: str,
        aes_key: str,
        corp_id: str,
        *,
        window: float = REPLAY_WINDOW,
        clock: Callable[[], float] = time.time,
        max_remembered: int = MAX_REMEMBERED,
    ):
        check_aes_key(aes_key)
        self.crypto = WeChatCrypto(token, aes_key, corp_id)
        self.window = window
        self.clock = clock
        self.max_remembered = max_remembered
        self._seen: OrderedDict[tuple[str, str, str], float] = OrderedDict()

    def verify_url(self, query: Mapping[str, str]) -> str:
        """The decrypted echostr of WeCom's URL verification (GET)."""
        signature, timestamp, nonce = self._params(query)
        echostr = query.get("echostr", "").replace(" ", "+")  # a "+" left unescaped in the URL
        if not echostr:
            raise CallbackRejected(400, "missing echostr")
        try:
            return self.crypto.check_signature(signature, timestamp, nonce, echostr)
        except InvalidSignatureException as exc:
            raise CallbackRejected(403, "bad signature") from exc
        except Exception as exc:  # signed, but undecryptable
            raise CallbackRejected(403, "echostr does not decrypt") from exc

    def open(self, query: Mapping[str, str], body: bytes) -> str:
        """The decrypted XML of a callback POST; raises CallbackRejected or ReplayedCallback."""
        signature, timestamp, nonce = self._params(query)
        try:
            xml = self.crypto.decrypt_message(body, signature, timestamp, nonce)
        except InvalidSignatureException as exc:
            raise CallbackRejected(403, "bad signature") from exc
        except (ExpatError, KeyError, TypeError) as exc:
            raise CallbackRejected(400, "not a WeCom callback envelope") from exc
        except Exception as exc:  # signed, but undecryptable: bad padding, length, corp id…
            raise CallbackRejected(403, "message does not decrypt for this app") from exc
        self._remember(timestamp, nonce, signature)
        return xml

    def forget(self, query: Mapping[str, str]) -> None:
        """Let a request be taken again: it was refused with a 5xx, so WeCom will repeat it."""
        key = (query.get("timestamp", ""), query.get("nonce", ""), query.get("msg_signature", ""))
        self._seen.pop(key, None)

    def seal(self, xml: str, nonce: str) -> str:
        """Encrypt and sign a passive reply for the HTTP answer."""
        return self.crypto.encrypt_message(xml, nonce, str(int(self.clock())))

    def _params(self, query: Mapping[str, str]) -> tuple[str, str, str]:
        signature = query.get("msg_signature", "")
        timestamp = query.get("timestamp", "")
        nonce = query.get("nonce", "")
        if not (signature and timestamp and nonce):
            raise CallbackRejected(400, "missing msg_signature, timestamp or nonce")
        if not timestamp.isdigit() or len(timestamp) > 12:
            raise CallbackRejected(400, "bad timestamp")
        if abs(self.clock() - int(timestamp)) > self.window:
            raise CallbackRejected(403, "stale timestamp")
        return signature, timestamp, nonce

    def _remember(self, timestamp: str, nonce: str, signature: str) -> None:
        """Record a verified request; ReplayedCallback when it was seen inside the window."""
        now = self.clock()
        while self._seen:
            oldest_key, expires = next(iter(self._seen.items()))
            if expires > now and len(self._seen) < self.max_remembered:
                break
            del self._seen[oldest_key]
        key = (timestamp, nonce, signature)
        if key in self._seen:
            raise ReplayedCallback(f"replayed nonce {nonce!r}")
        self._seen[key] = max(now, int(timestamp)) + self.window


def check_aes_key(aes_key: str) -> None:
    """Refuse an EncodingAESKey that is not 43 base64 characters (32 bytes)."""
    try:
        raw = base64.b64decode(aes_key + "=", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("HOUQIN_WECOM_AES_KEY is not valid base64") from exc
    if len(aes_key) != 43 or len(raw) != 32:
        raise ValueError("HOUQIN_WECOM_AES_KEY must be the 43-character EncodingAESKey")


def passive_button_update(to_user: str, corp_id: str, label: str, now: int) -> str:
    """The plain XML that greys out the tapped card's buttons, showing `label` instead."""
    return (
        "<xml>"
        f"<ToUserName><![CDATA[{_cdata(to_user)}]]></ToUserName>"
        f"<FromUserName><![CDATA[{_cdata(corp_id)}]]></FromUserName>"
        f"<CreateTime>{now}</CreateTime>"
        "<MsgType><![CDATA[update_button]]></MsgType>"
        f"<Button><ReplaceName><![CDATA[{_cdata(label)}]]></ReplaceName></Button>"
        "</xml>"
    )


def _cdata(text: str) -> str:
    return text.replace("]]>", "]]]]><![CDATA[>")
