"""The WeCom app's custom menu (报修 / 我的报修 / 更多 ▸ 查库存 …), worded from the catalogues.

WeCom allows three top-level entries of at most 16 bytes and five sub-entries of at most 40
bytes each, so 查库存 and the rest sit under 更多. Each entry is a "click" whose key
"cmd:<command>" the adapter turns into that command; entries whose command this deployment does
not have (e.g. stock before the stock module exists) are left out.
"""

from __future__ import annotations

from typing import Any

from bot.adapters.wecom.inbound import MENU_PREFIX
from bot.core.i18n import Translator

TOP = (("report", "wecom.menu_report"), ("my", "wecom.menu_my"))
MORE = (
    ("stock", "wecom.menu_stock"),
    ("open", "wecom.menu_open"),
    ("lang", "wecom.menu_lang"),
    ("help", "wecom.menu_help"),
)
TOP_NAME_BYTES = 16
SUB_NAME_BYTES = 40
WEB_SIGN_IN_PATH = "/auth/wecom/start"  # the web chat's silent WeCom sign-in (OAuth2)


def web_chat_url(public_url: str | None, webchat: bool = True) -> str | None:
    """Where the menu's web chat entry and textcards lead: the WeCom sign-in of the web chat
    on the public URL (None without a public URL or a web chat)."""
    if not public_url or not webchat:
        return None
    return public_url.rstrip("/") + WEB_SIGN_IN_PATH


def build_menu(
    translator: Translator, locale: str, commands: set[str], web_url: str | None = None
) -> tuple[dict[str, Any], list[str]]:
    """The menu/create body in `locale`, and the commands left out because they do not exist;
    with `web_url` 更多 also opens the web chat there (a "view" entry)."""
    omitted = [name for name, _ in (*TOP, *MORE) if name not in commands]
    top = [_click(translator, locale, name, key, TOP_NAME_BYTES)
           for name, key in TOP if name in commands]
    more = [_click(translator, locale, name, key, SUB_NAME_BYTES)
            for name, key in MORE if name in commands]
    if web_url:
        label = translator(locale, "wecom.menu_web")
        _check(label, SUB_NAME_BYTES)
        more.append({"type": "view", "name": label, "url": web_url})
    if more:
        label = translator(locale, "wecom.menu_more")
        _check(label, TOP_NAME_BYTES)
        top.append({"name": label, "sub_button": more})
    if not top:
        raise ValueError("no menu entry has a command in this deployment")
    return {"button": top}, omitted


def _click(translator: Translator, locale: str, command: str, key: str, limit: int) -> dict:
    label = translator(locale, key)
    _check(label, limit)
    return {"type": "click", "name": label, "key": f"{MENU_PREFIX}{command}"}


def _check(label: str, limit: int) -> None:
    if not label or len(label.encode("utf-8")) > limit:
        raise ValueError(f"menu label {label!r} is longer than WeCom's {limit} bytes")
