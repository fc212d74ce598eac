"""A fake WeCom server API on 127.0.0.1: tokens, app messages (touser batching), media, menu,
directory, with errcode injection (token expiry, rate limits) and a gate to hold requests."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import defaultdict
from typing import Any

from aiohttp import web

MAX_TOUSER = 1000
TASK_ID = re.compile(r"^[A-Za-z0-9_\-@]{1,128}$")
MSGTYPES = ("text", "markdown", "textcard", "template_card", "image", "video", "voice", "file")
MEDIA_MSGTYPES = ("image", "video", "voice", "file")
# media/upload size limits of the real API (bytes)
UPLOAD_LIMITS = {"image": 10 << 20, "voice": 2 << 20, "video": 10 << 20, "file": 20 << 20}


class FakeWeComApi:
    """An in-process WeCom API that validates requests like the real one and records them."""

    def __init__(
        self, corp_id: str = "wwcorp", secret: str = "app-secret", agent_id: int = 1000002
    ):
        self.corp_id, self.secret, self.agent_id = corp_id, secret, agent_id
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.sent: list[dict[str, Any]] = []  # accepted message/send bodies
        self.violations: list[str] = []
        self.media: dict[str, bytes] = {}
        self.uploads: list[tuple[str, bytes]] = []
        self.upload_types: dict[str, str] = {}  # media_id -> the type it was uploaded as
        self.menus: list[dict[str, Any]] = []
        self.users: dict[int, list[dict[str, Any]]] = defaultdict(list)  # department -> members
        self.children: dict[int, list[int]] = defaultdict(list)
        self.department_names: dict[int, str] = {}  # department/list answers these names
        self.unreachable: set[str] = set()  # members message/send reports as invaliduser
        self.oauth_codes: dict[str, str] = {}  # one-time OAuth2 code -> member userid
        self.token_ttl = 7200
        self._tokens: set[str] = set()
        self._seq = itertools.count(1)
        self._task_ids: set[str] = set()
        self._failures: dict[str, list[tuple[int, str]]] = defaultdict(list)
        self._gates: dict[str, asyncio.Event] = {}
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # --- lifecycle and test controls -----------------------------------------------------------

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_route("*", "/cgi-bin/{path:.+}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Release held requests and close the server."""
        for gate in self._gates.values():
            gate.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        """Value for HOUQIN_WECOM_API_URL."""
        return f"http://127.0.0.1:{self._port}/cgi-bin/"

    def fail(self, path: str, errcode: int, times: int = 1, errmsg: str = "injected") -> None:
        """Answer the next `times` calls to `path` (e.g. "message/send") with `errcode`."""
        self._failures[path].extend([(errcode, errmsg)] * times)

    def expire_tokens(self) -> None:
        """Every token issued so far is now expired (calls using one get errcode 42001)."""
        self._tokens.clear()

    def hold(self, path: str) -> asyncio.Event:
        """Calls to `path` wait until the returned event is set."""
        self._gates[path] = asyncio.Event()
        return self._gates[path]

    def add_media(self, content: bytes) -> str:
        """Register a file a member "sent"; returns its media_id."""
        media_id = f"MEDIA_{next(self._seq)}"
        self.media[media_id] = content
        return media_id

    def calls_to(self, path: str) -> list[dict[str, Any]]:
        """The parameters of every call to `path` (rejected ones included)."""
        return [params for name, params in self.calls if name == path]

    def messages_to(self, user: str) -> list[dict[str, Any]]:
        """Accepted messages whose touser includes `user`, oldest first."""
        return [m for m in self.sent if user in m["touser"].split("|")]

    async def wait_for(self, predicate: Any, timeout: float = 8.0) -> Any:
        """Poll until predicate() is truthy and return its value; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() >= deadline:
                recent = [m.get("text") or m.get("template_card") for m in self.sent[-5:]]
                raise AssertionError(f"not met within {timeout}s; last messages: {recent}")
            await asyncio.sleep(0.01)

    # --- HTTP ----------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        params: dict[str, Any] = dict(request.query)
        form: dict[str, Any] = {}
        if request.content_type == "application/json":
            params["json"] = json.loads(await request.read())
        elif request.content_type.startswith("multipart/"):
            async for part in await request.multipart():
                form[part.name or ""] = (part.filename, await part.read())  # type: ignore[union-attr]
            params["form"] = {k: (name, len(data)) for k, (name, data) in form.items()}
        self.calls.append((path, params))
        gate = self._gates.get(path)
        if gate is not None:
            await gate.wait()
        if path == "gettoken":
            return self._gettoken(params)
        if params.get("access_token") not in self._tokens:
            known = str(params.get("access_token", "")).startswith("tok-")
            return _error(42001 if known else 40014, "access_token expired or invalid")
        if self._failures[path]:
            return _error(*self._failures[path].pop(0))
        handler = {
            "message/send": self._send,
            "media/upload": lambda p: self._upload(p, form),
            "media/get": self._media_get,
            "menu/create": self._menu,
            "user/list": self._user_list,
            "department/list": self._department_list,
            "auth/getuserinfo": self._user_info,
        }.get(path)
        if handler is None:
            return _error(404, f"no such API {path}")
        return handler(params)

    def _gettoken(self, params: dict[str, Any]) -> web.Response:
        if params.get("corpid") != self.corp_id:
            return _error(40013, "invalid corpid")
        if params.get("corpsecret") != self.secret:
            return _error(40001, "invalid credential")
        if self._failures["gettoken"]:
            return _error(*self._failures["gettoken"].pop(0))
        token = f"tok-{next(self._seq)}"
        self._tokens.add(token)
        return _ok(access_token=token, expires_in=self.token_ttl)

    def _send(self, params: dict[str, Any]) -> web.Response:
        body = params.get("json") or {}
        problem = self._check_message(body)
        if problem:
            self.violations.append(problem)
            return _error(40058, problem)
        users = body["touser"].split("|")
        invalid = [u for u in users if u in self.unreachable]
        if len(invalid) == len(users):
            return _error(81013, "user & party & tag all invalid")
        self.sent.append(body)
        return _ok(msgid=f"msg{next(self._seq)}", invaliduser="|".join(invalid))

    def _check_message(self, body: dict[str, Any]) -> str | None:
        users = [u for u in str(body.get("touser") or "").split("|") if u]
        if not users or len(users) > MAX_TOUSER:
            return f"touser must name 1..{MAX_TOUSER} members, got {len(users)}"
        if body.get("agentid") != self.agent_id:
            return f"agentid {body.get('agentid')!r} is not {self.agent_id}"
        kind = body.get("msgtype")
        if kind not in MSGTYPES or not isinstance(body.get(kind), dict):
            return f"bad msgtype {kind!r}"
        part = body[kind]
        if kind in ("text", "markdown"):
            content = str(part.get("content") or "")
            if not content.strip() or len(content.encode()) > 2048:
                return f"{kind} content empty or over 2048 bytes"
        if kind == "textcard" and not (part.get("title") and part.get("url")):
            return "textcard needs title and url"
        if kind in MEDIA_MSGTYPES and part.get("media_id") not in self.media:
            return f"unknown media_id {part.get('media_id')!r}"
        uploaded_as = self.upload_types.get(str(part.get("media_id")))
        if kind in ("video", "voice") and uploaded_as not in (None, kind):
            return f"{kind} message with a media_id uploaded as {uploaded_as}"
        if kind == "template_card":
            return self._check_card(part)
        return None

    def _check_card(self, card: dict[str, Any]) -> str | None:
        task_id = str(card.get("task_id") or "")
        buttons = card.get("button_list") or []
        keys = [b.get("key") for b in buttons]
        if card.get("card_type") != "button_interaction":
            return "only button_interaction cards are expected"
        if not TASK_ID.match(task_id) or task_id in self._task_ids:
            return f"task_id {task_id!r} invalid or reused"
        if not (card.get("main_title") or {}).get("title"):
            return "main_title.title is required"
        if not 1 <= len(buttons) <= 6 or len(set(keys)) != len(keys) or not all(keys):
            return "button_list needs 1..6 buttons with distinct keys"
        self._task_ids.add(task_id)
        return None

    def _upload(self, params: dict[str, Any], form: dict[str, Any]) -> web.Response:
        if params.get("type") not in ("image", "voice", "video", "file") or "media" not in form:
            return _error(40004, "invalid media type or no media part")
        _name, content = form["media"]
        if not content:
            return _error(40005, "empty media")
        if len(content) > UPLOAD_LIMITS[params["type"]]:
            return _error(40006, "invalid file size")
        media_id = self.add_media(content)
        self.uploads.append((media_id, content))
        self.upload_types[media_id] = params["type"]
        return _ok(type=params["type"], media_id=media_id, created_at=str(int(time.time())))

    def _media_get(self, params: dict[str, Any]) -> web.Response:
        content = self.media.get(str(params.get("media_id")))
        if content is None:
            return _error(40007, "invalid media_id")
        return web.Response(body=content, content_type="image/jpeg")

    def _menu(self, params: dict[str, Any]) -> web.Response:
        menu = params.get("json") or {}
        top = menu.get("button") or []
        if str(params.get("agentid")) != str(self.agent_id) or not 1 <= len(top) <= 3:
            return _error(40058, "bad agentid or 1..3 top-level buttons required")
        for entry in top:
            subs = entry.get("sub_button") or []
            if len(entry["name"].encode()) > 16 or len(subs) > 5:
                return _error(40058, "top-level name over 16 bytes or over 5 sub buttons")
            if any(len(s["name"].encode()) > 40 or not s.get("url" if s.get("type") == "view"
                                                             else "key") for s in subs):
                return _error(40058, "sub button name over 40 bytes or without key/url")
        self.menus.append(menu)
        return _ok()

    def _user_info(self, params: dict[str, Any]) -> web.Response:
        """auth/getuserinfo: a code issued by `oauth_codes` works once."""
        user = self.oauth_codes.pop(str(params.get("code", "")), None)
        if user is None:
            return _error(40029, "invalid code")
        return _ok(userid=user, user_ticket="")

    def _user_list(self, params: dict[str, Any]) -> web.Response:
        department = int(params.get("department_id", 0))
        wanted = [department]
        if params.get("fetch_child") == "1":
            pending = [department]
            while pending:
                children = self.children[pending.pop()]
                wanted += children
                pending += children
        return _ok(userlist=[u for d in wanted for u in self.users[d]])


    def _department_list(self, params: dict[str, Any]) -> web.Response:
        """department/list: the department and its subtree, parents before children."""
        top = int(params.get("id", 1))
        found, pending = [], [(top, 0)]
        while pending:
            current, parent = pending.pop(0)
            entry = {"id": current, "parentid": parent, "order": 0}
            if current in self.department_names:
                entry["name"] = self.department_names[current]
            found.append(entry)
            pending += [(child, current) for child in self.children[current]]
        return _ok(department=found)


def _ok(**fields: Any) -> web.Response:
    return web.json_response({"errcode": 0, "errmsg": "ok", **fields})


def _error(errcode: int, errmsg: str) -> web.Response:
    return web.json_response({"errcode": errcode, "errmsg": errmsg})
