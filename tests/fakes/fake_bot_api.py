"""A fake Telegram Bot API server the real python-telegram-bot client talks to over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict, deque
from pathlib import PurePosixPath
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.bot_api_inject import UpdateInjection
from tests.fakes.bot_api_media import BotApiMedia
from tests.fakes.bot_api_methods import BotApiMethods
from tests.fakes.bot_api_updates import (
    ApiError,
    as_chat_id,
    decode_params,
    make_error,
    update_kind,
)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RATE_LIMITED = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup",
                          "sendVideo", "sendVoice", "sendAudio"})
SENT_METHODS = ("sendMessage", "sendPhoto", "editMessageText", "sendVideo", "sendVoice",
                "sendAudio", "sendDocument", "sendMediaGroup")


class FakeBotApi(UpdateInjection, BotApiMethods, BotApiMedia):
    """An in-process Bot API: answers methods, records calls, injects updates and failures."""

    def __init__(self, bot_id: int = 123456, bot_username: str = "houqin_test_bot") -> None:
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Houqin",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.violations: list[dict[str, Any]] = []
        self.webhook: dict[str, Any] | None = None
        self.webhook_deliveries: list[dict[str, Any]] = []
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.files: dict[str, bytes] = {}
        self.downloads: list[str] = []
        self.blocked_chats: set[str] = set()
        self._file_info: dict[str, dict[str, Any]] = {}
        self._paths: dict[str, str] = {}
        self._messages: dict[tuple[int | str, int], dict[str, Any]] = {}
        self._chats: dict[int | str, dict[str, Any]] = {}
        self._sent: list[dict[str, Any]] = []
        self._pending: list[tuple[dict[str, Any], bool]] = []
        self._allowed_updates: list[str] | None = None
        self._wakeup = asyncio.Event()
        self._closing = False
        self._failures: dict[str, list[ApiError]] = {}
        self._limits: tuple[float, float] | None = None
        self.accepted: list[tuple[float, str]] = []  # (monotonic time, chat) of accepted sends
        self._total_stamps: deque[float] = deque()
        self._chat_stamps: defaultdict[str, deque[float]] = defaultdict(deque)
        self._seq = {"update": 100000, "message": 0, "file": 0, "callback": 0}
        self._methods = {**self.method_table(), **self.media_methods()}
        self._canon = {name.lower(): name for name in self._methods}
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._session: aiohttp.ClientSession | None = None
        self._hook_queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._hook_task: asyncio.Task[None] | None = None

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = self._runner.addresses[0][1]
        self._session = aiohttp.ClientSession()
        self._hook_task = asyncio.create_task(self._webhook_worker())

    async def stop(self) -> None:
        """Wake pending long polls, stop webhook delivery and close the server."""
        self._closing = True
        self._wakeup.set()
        if self._hook_task is not None:
            self._hook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._hook_task
            self._hook_task = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def api_url(self) -> str:
        """Value for PTB's base_url (the token is appended by PTB)."""
        return f"http://127.0.0.1:{self._port}/bot"

    @property
    def file_url(self) -> str:
        """Value for PTB's base_file_url."""
        return f"http://127.0.0.1:{self._port}/file/bot"

    # --- HTTP ----------------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        method = self._canon.get(name.lower(), name)
        try:
            params = await self._read_params(request)
        except ApiError as exc:
            self.calls.append((method, {}))
            return web.json_response(exc.payload(), status=exc.code)
        self.calls.append((method, params))
        try:
            impl = self._methods.get(method)
            if impl is None:
                raise ApiError(404, "Not Found: method not found")
            queued = self._failures.get(method)
            if queued:
                raise queued.pop(0)
            self._check_rate(method, params)
            result = await impl(params)
        except ApiError as exc:
            return web.json_response(exc.payload(), status=exc.code)
        if method in RATE_LIMITED:
            moment, chat = time.monotonic(), str(as_chat_id(params.get("chat_id")))
            self.accepted.append((moment, chat))
            self._total_stamps.append(moment)
            self._chat_stamps[chat].append(moment)
        return web.json_response({"ok": True, "result": result})

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, bytes] = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise ApiError(400, "Bad Request: can't parse JSON") from None
                if not isinstance(body, dict):
                    raise ApiError(400, "Bad Request: JSON object expected")
                raw.update(body)
            else:
                for key, value in (await request.post()).items():
                    if isinstance(value, web.FileField):
                        files[key] = value.file.read()
                    else:
                        raw[key] = value
        params = decode_params(raw)
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                params[key] = files.pop(value.removeprefix("attach://"), value)
        params.update(files)
        return params

    async def _handle_file(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        self.downloads.append(path)
        file_id = self._paths.get(path)
        if file_id is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    # --- recording -----------------------------------------------------------------------------

    def sent_messages(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """Successful sendMessage/sendPhoto/editMessageText calls: method, chat_id, message_id,
        text (caption for photos), reply_markup (parsed), photo (uploaded bytes), params."""
        return [
            dict(entry)
            for entry in self._sent
            if entry["method"] in SENT_METHODS
            and (chat_id is None or str(entry["chat_id"]) == str(chat_id))
        ]

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        """The params of every recorded call to `method`."""
        return [params for name, params in self.calls if name == method]

    async def wait_for(self, predicate: Any, timeout: float = 5.0) -> Any:
        """Poll until predicate(calls) is truthy and return it; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate(self.calls)
            if result:
                return result
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"condition not met within {timeout}s; recent calls:\n{self.describe_calls()}"
                )
            await asyncio.sleep(0.01)

    def describe_calls(self, last: int = 20) -> str:
        """Readable dump of the most recent calls (bytes shown by size)."""
        lines = []
        for method, params in self.calls[-last:]:
            shown = {
                k: f"<{len(v)} bytes>" if isinstance(v, bytes) else v for k, v in params.items()
            }
            lines.append(f"  {method} {shown}")
        return "\n".join(lines) or "  (no calls)"

    # --- files ---------------------------------------------------------------------------------

    def register_file(
        self, data: bytes, kind: str = "photos", file_name: str | None = None,
        declared_size: int | None = None,
    ) -> dict:
        """Store bytes for getFile and download; returns the File object dict (`declared_size`
        stands in for a file too big to keep in a test)."""
        self._seq["file"] += 1
        seq = self._seq["file"]
        suffix = PurePosixPath(file_name).suffix if file_name else ""
        suffix = suffix or (".jpg" if kind == "photos" else ".bin")
        info = {
            "file_id": f"AgAC{kind[:3]}{seq:06d}",
            "file_unique_id": f"AQAD{seq:06d}",
            "file_size": declared_size if declared_size is not None else len(data),
            "file_path": f"{kind}/file_{seq}{suffix}",
        }
        self.files[info["file_id"]] = bytes(data)
        self._file_info[info["file_id"]] = info
        self._paths[info["file_path"]] = info["file_id"]
        return dict(info)

    def _next_message_id(self) -> int:
        self._seq["message"] += 1
        return self._seq["message"]

    def _deliver(self, update: dict[str, Any], sticky: bool = False) -> None:
        if self.webhook is not None:
            self._hook_queue.put_nowait(update)
        else:
            self._pending.append((update, sticky))
            self._wakeup.set()

    def _flush_pending_to_webhook(self) -> None:
        for update, _sticky in self._pending:
            self._hook_queue.put_nowait(update)
        self._pending.clear()

    async def _webhook_worker(self) -> None:
        while True:
            update = await self._hook_queue.get()
            hook = self.webhook
            if hook is None:
                self._pending.append((update, False))
                self._wakeup.set()
                continue
            if self._allowed_updates and update_kind(update) not in self._allowed_updates:
                continue
            headers = {SECRET_HEADER: hook["secret_token"]} if hook["secret_token"] else {}
            status: int | None = None
            try:
                assert self._session is not None
                async with self._session.post(
                    hook["url"],
                    json=update,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=10),
                ) as response:
                    status = response.status
                    await response.read()
            except (aiohttp.ClientError, TimeoutError):
                status = None
            self.webhook_deliveries.append(
                {"update_id": update["update_id"], "status": status, "url": hook["url"]}
            )

    # --- failure injection ---------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        times: int = 1,
        error_code: int = 429,
        retry_after: float = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` with a Bot API error (429 has retry_after)."""
        name = self._canon.get(method.lower(), method)
        errors = [make_error(error_code, retry_after, description) for _ in range(times)]
        self._failures.setdefault(name, []).extend(errors)

    def rate_limit(self, per_chat_per_second: float = 1.0, total_per_second: float = 30.0) -> None:
        """Answer 429 to sends over these rates (0 disables one) and record `violations`."""
        self._limits = (per_chat_per_second, total_per_second)

    def _check_rate(self, method: str, params: dict[str, Any]) -> None:
        if self._limits is None or method not in RATE_LIMITED:
            return
        moment = time.monotonic()
        chat = str(as_chat_id(params.get("chat_id")))
        per_chat, total = self._limits
        scopes = (("chat", per_chat, self._chat_stamps[chat]), ("total", total, self._total_stamps))
        for scope, rate, stamps in scopes:
            if rate <= 0:
                continue
            window = max(1.0, 1.0 / rate)
            allowed = max(1, round(rate * window))
            while stamps and moment - stamps[0] >= window:  # keep the window's sends only
                stamps.popleft()
            if len(stamps) >= allowed:
                wait = stamps[0] + window - moment
                self.violations.append(
                    {"method": method, "chat_id": chat, "scope": scope, "retry_after": wait,
                     "at": moment}
                )
                raise make_error(429, wait)
