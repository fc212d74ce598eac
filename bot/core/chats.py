"""Per-chat scheduling of incoming updates: concurrent across chats, in order within a chat.

Every adapter hands each update to a `ChatScheduler` instead of handling it in line: the update
runs in a task of its own once the chat's earlier updates are done, so a slow answer to one
person never holds up another, while one person's messages are still handled in the order they
came. A chat's turn is forgotten as soon as it is idle, so memory follows the chats active now,
not every chat ever seen. `turn` alone is the same ordering for a caller already in its own task.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

log = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = 64  # updates of different chats handled at once (the rest wait their turn)


class ChatScheduler:
    """Runs jobs in per-chat order, jobs of different chats side by side (at most
    `concurrency` at a time)."""

    def __init__(self, name: str, concurrency: int = DEFAULT_CONCURRENCY):
        self.name = name
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}  # chat -> jobs holding or waiting for its turn
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()

    @contextlib.asynccontextmanager
    async def turn(self, chat: str) -> AsyncIterator[None]:
        """Wait until the chat's earlier jobs are done (first come, first served)."""
        lock = self._locks.get(chat)
        if lock is None:
            lock = self._locks[chat] = asyncio.Lock()
        self._users[chat] = self._users.get(chat, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[chat] -= 1
            if not self._users[chat]:  # idle: forget the chat
                del self._users[chat]
                del self._locks[chat]

    def schedule(self, chat: str, job: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
        """Run `job()` in a task after the chat's earlier jobs; a failure is logged, never
        raised (it must not stop the adapter's update loop)."""

        async def run() -> None:
            try:
                # tasks start in the order they were created, so the turns are taken in the
                # order of the calls
                async with self.turn(chat), self._slots:
                    await job()
            except Exception:
                log.exception("%s: handling an update of %s failed", self.name, chat)

        task = asyncio.get_running_loop().create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @property
    def active_chats(self) -> int:
        """Chats with a job running or waiting."""
        return len(self._locks)

    async def drain(self, timeout: float = 5.0) -> None:
        """Let the jobs in progress finish (up to `timeout`), cancel the rest."""
        tasks = list(self._tasks)
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
