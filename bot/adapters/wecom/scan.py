"""The page a scanned QR label (or an invitation card's WeCom QR) opens inside WeCom (企业微信).

The label carries WeCom's OAuth2 authorize URL (`bot/services/assets/qr_links.py`): WeCom identifies
the member silently (snsapi_base) and redirects here with `code` and `state=p_<code>`. We turn
the code into the member's userid (auth/getuserinfo) and hand the bot a `/start p_<code>` from
that member, exactly as if they had typed it: the report then continues in their chat with the
app. An invitation card's state is its invite code instead: the member sends `/start CODE`,
which binds their WeCom account to the invited person. The page itself only says so (in the
default language, then the other)."""

from __future__ import annotations

import hashlib
import html
import logging
from collections.abc import Callable

from aiohttp import web

from bot.adapters.wecom.api import WeComApi, WeComApiError
from bot.core.i18n import SUPPORTED, Translator
from bot.core.qr_links import SCAN_PATH, decode_param, is_invite_code
from bot.core.types import Incoming

log = logging.getLogger(__name__)
MAX_CODE = 512


class ScanLanding:
    """GET /wecom/scan?code=…&state=p_<code>: start the report in the member's app chat."""

    def __init__(self, api: WeComApi, schedule: Callable[[Incoming], None],
                 translator: Translator, locale: str):
        self.api = api
        self.schedule = schedule
        self.translator = translator
        self.locale = locale

    def mount(self, http_app: web.Application) -> None:
        """Add the GET route to the shared aiohttp app."""
        http_app.router.add_get(SCAN_PATH, self.handle)

    def _page(self, key: str, status: int = 200) -> web.Response:
        locales = [self.locale, *[loc for loc in SUPPORTED if loc != self.locale]]
        title = html.escape(self.translator(self.locale, "qr.wecom_title"))
        body = "".join(f"<p>{html.escape(self.translator(loc, key))}</p>" for loc in locales)
        page = ("<!doctype html><html><head><meta charset='utf-8'>"
                "<meta name='viewport' content='width=device-width,initial-scale=1'>"
                f"<title>{title}</title></head>"
                f"<body style='font:18px sans-serif;margin:2em'>{body}</body></html>")
        return web.Response(text=page, content_type="text/html", status=status)

    async def handle(self, request: web.Request) -> web.Response:
        """Identify the member from the OAuth code and send the bot their `/start` parameter."""
        code = request.query.get("code", "")
        state = request.query.get("state", "")
        if not code or len(code) > MAX_CODE or (decode_param(state) is None
                                                 and not is_invite_code(state)):
            return self._page("qr.wecom_bad_link", 400)
        try:
            user_id = await self.api.user_from_code(code)
        except WeComApiError as exc:
            log.info("WeCom scan: code not accepted (%s)", exc)
            user_id = None
        if not user_id:  # an expired code, or someone who is not a member of the corp
            return self._page("qr.wecom_not_member", 403)
        self.schedule(Incoming(
            platform="wecom", chat_id=user_id, user_id=user_id, display_name="",
            text=f"/start {state}", command="start", args=[state],
            # a reloaded page does not start a second report; the code itself is never stored
            update_id=f"scan:{hashlib.sha256(code.encode()).hexdigest()[:32]}",
        ))
        return self._page("qr.wecom_continue")
