"""The fake Bot API in a process of its own, for timing tests.

In-process, the fake server and the bot share one event loop and one CPU, so a timing test would
measure their combined CPU cost rather than the bot's pacing. Run as
`python -m tests.fakes.bot_api_process PER_CHAT_PER_SECOND TOTAL_PER_SECOND`, it prints one JSON
line with its ports and serves until its stdin closes; `GET /state` on the control port returns
what it recorded (time stamps are CLOCK_MONOTONIC, the clock `time.monotonic()` reads in every
process of the machine), `GET /count?text=…` how many sends (containing that text) it accepted,
and `POST /push` {"user": id, "text": …} has a user send the bot a message.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[2]


def _state(api: Any, pushes: list[tuple[float, str, str]]) -> dict[str, Any]:
    return {
        "violations": api.violations,
        "accepted": api.accepted,
        "sent": [
            {"chat_id": m["chat_id"], "text": m["text"], "at": m["at"]}
            for m in api.sent_messages()
        ],
        "pushes": pushes,
    }


def _count(api: Any, text: str) -> int:
    if not text:
        return len(api.accepted)
    return sum(1 for m in api.sent_messages() if text in (m["text"] or ""))


async def _serve(per_chat: float, total: float) -> None:
    from tests.fakes.fake_bot_api import FakeBotApi

    api = FakeBotApi()
    await api.start()
    api.rate_limit(per_chat_per_second=per_chat, total_per_second=total)
    pushes: list[tuple[float, str, str]] = []  # (monotonic time, user, text)

    async def push(request: web.Request) -> web.Response:
        body = await request.json()
        pushes.append((time.monotonic(), str(body["user"]), body["text"]))
        api.push_text(int(body["user"]), body["text"])
        return web.json_response({"ok": True})

    control = web.Application()
    control.router.add_get("/state", lambda _: web.json_response(_state(api, pushes)))
    control.router.add_get(
        "/count",
        lambda r: web.json_response({"accepted": _count(api, r.query.get("text", ""))}),
    )
    control.router.add_post("/push", push)
    runner = web.AppRunner(control, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(
        json.dumps({"api_url": api.api_url, "file_url": api.file_url, "control": port}), flush=True
    )
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the parent closes our stdin
    await runner.cleanup()
    await api.stop()


class FakeBotApiProcess:
    """Starts, queries and stops the fake Bot API process."""

    def __init__(self, per_chat_per_second: float, total_per_second: float):
        self.limits = (per_chat_per_second, total_per_second)
        self.api_url = ""
        self.file_url = ""
        self._control = ""
        self._proc: asyncio.subprocess.Process | None = None
        self._http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Spawn the server and wait until it listens."""
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.fakes.bot_api_process",
            *map(str, self.limits),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
        )
        assert self._proc.stdout is not None
        line = await asyncio.wait_for(self._proc.stdout.readline(), timeout=30)
        info = json.loads(line)
        self.api_url, self.file_url = info["api_url"], info["file_url"]
        self._control = f"http://127.0.0.1:{info['control']}"
        self._http = aiohttp.ClientSession()

    async def state(self) -> dict[str, Any]:
        """violations, accepted [(monotonic time, chat)], sent [{chat_id, text, at}],
        pushes [(monotonic time, user, text)]."""
        assert self._http is not None
        async with self._http.get(f"{self._control}/state") as response:
            return await response.json()

    async def accepted_count(self, text: str = "") -> int:
        """How many rate-limited sends the server accepted so far (containing `text`)."""
        assert self._http is not None
        params = {"text": text} if text else {}
        async with self._http.get(f"{self._control}/count", params=params) as response:
            return (await response.json())["accepted"]

    async def push_text(self, user: int, text: str) -> None:
        """Have `user` send the bot `text` (the server records when)."""
        assert self._http is not None
        async with self._http.post(
            f"{self._control}/push", json={"user": user, "text": text}
        ) as response:
            await response.read()

    async def stop(self) -> None:
        """Close the server's stdin and wait for it to exit."""
        if self._http is not None:
            await self._http.close()
        if self._proc is not None and self._proc.returncode is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                await asyncio.wait_for(self._proc.wait(), timeout=10)
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    asyncio.run(_serve(float(sys.argv[1]), float(sys.argv[2])))
