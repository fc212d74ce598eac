"""Per-platform send pacing: a total rate, a per-chat rate, priority first, back-off on 429.

Each limit is a GCRA (generic cell rate algorithm) schedule: a send conforms when the clock has
reached the "theoretical arrival time" minus the allowed burst. Sends are granted one at a time
to the waiting caller with the lowest priority number whose chats are all free, so a reply in a
conversation (priority 1) overtakes an emergency broadcast (2), which overtakes digests (5+).
Replies and pushes to one chat share that chat's pace (and its burst), so an alert right after a
reply, or a reply right after an alert, never exceeds the platform's per-chat limit.

A "retry after" from the platform holds back the chats it was about, not the whole platform
(`back_off`): Telegram's 429 does not say whether one chat or the whole bot is over its limit,
so the limiter takes it for the whole bot only when it is told so (`bot_wide`) or when several
different chats are refused within a short time, which one busy chat cannot cause.

Several delivery workers on one database split the total rate (`share`): each paces itself at
its part of it, and a chat is sent to by one worker at a time (bot.delivery.outbox).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings

UNLIMITED = 0.0
# a send granted but never reported `done` counts as in flight this long at most
FLIGHT_MAX = 30.0
PRUNE_AT = 10_000
# a "retry after" for this many different calls' chats within BOT_WIDE_WINDOW seconds means the
# bot as a whole is over the platform's limit (one chat over its own limit refuses only itself)
BOT_WIDE_CHATS = 3
BOT_WIDE_WINDOW = 1.0
# Told the bot as a whole is too fast (the platform saw sends bunched by network or CPU delays),
# the total pace slows by this factor (down to MAX_SLOWDOWN) and recovers a little with each
# send granted (about 1 % a second at Telegram's rate).
SLOWDOWN = 1.1
MAX_SLOWDOWN = 1.5
RECOVERY = 0.9997


@dataclass(frozen=True)
class PlatformLimits:
    """What a platform allows: calls per second in total and messages per second to one chat
    (0: no limit), and how many messages a chat may get in a short burst."""

    total_per_second: float = UNLIMITED
    per_chat_per_second: float = UNLIMITED
    chat_burst: int = 1
    margin: float = 0.97  # pace a little under the limit: network jitter must not break it

    @property
    def limited(self) -> bool:
        """True when any rate applies."""
        return self.total_per_second > 0 or self.per_chat_per_second > 0


def platform_limits(settings: Settings) -> dict[str, PlatformLimits]:
    """The configured limits of the platforms that have them (HOUQIN_TELEGRAM_RATE_*, …)."""
    return {
        "telegram": PlatformLimits(
            settings.telegram_rate_total,
            settings.telegram_rate_per_chat,
            settings.telegram_chat_burst,
        ),
        "wecom": PlatformLimits(
            settings.wecom_rate_total, settings.wecom_rate_per_chat, settings.wecom_chat_burst
        ),
    }


@dataclass(order=True)
class _Waiter:
    priority: int
    seq: int
    chats: tuple[str, ...] = field(compare=False)
    future: asyncio.Future[None] = field(compare=False)


class RateLimiter:
    """Grants send slots for one platform within its limits, most urgent caller first."""

    def __init__(self, limits: PlatformLimits, clock: Callable[[], float] = time.monotonic):
        self.limits = limits
        self.clock = clock
        total, per_chat = limits.total_per_second, limits.per_chat_per_second
        self._total_step = self._base_step = 0.0
        self._total_slack = 0.0
        self._window = max(1.0, 1.0 / total) if total > 0 else 0.0
        self._window_cap = 1
        self.workers = 1
        self._flying: deque[float] = deque()  # grant times of the sends not reported done
        self._landed: deque[float] = deque()  # when the sends of the last window were done
        self._chat_step = 1.0 / (per_chat * limits.margin) if per_chat > 0 else 0.0
        self._chat_slack = max(0, limits.chat_burst - 1) * self._chat_step
        self._total_tat = 0.0
        self._chat_tat: dict[str, float] = {}
        self._chat_held: dict[str, float] = {}  # chat -> the platform's "retry after" ends
        self._refusals: deque[tuple[float, tuple[str, ...]]] = deque()
        self._paused_until = 0.0
        self._waiters: list[_Waiter] = []
        self._seq = itertools.count()
        self._changed = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None
        self.granted = 0
        self.share(1)

    # --- public ------------------------------------------------------------------------------

    def share(self, workers: int) -> None:
        """Pace at 1/`workers` of the total rate: that many delivery workers send at once."""
        total = self.limits.total_per_second
        self.workers = max(1, workers)
        if total <= 0:
            return
        mine = total / self.workers
        slowed = self._total_step / self._base_step if self._base_step else 1.0
        self._base_step = 1.0 / (mine * self.limits.margin)
        self._total_step = self._base_step * slowed
        # a small tolerance lets the pacer catch up on timer overshoot without drifting slow (a
        # larger one would allow bursts, which arrive bunched and break the limit server-side) ...
        self._total_slack = min(3 * self._base_step, 0.015)
        # ... and a hard cap keeps every window of the platform's size within its limit as the
        # platform counts it, whatever the delays on the way (see `done`)
        self._window_cap = max(1, math.floor(mine * self._window))
        self._changed.set()

    def hold(self, seconds: float) -> None:
        """Send nothing for `seconds` (a worker joining waits until the others have slowed
        down to their new share), without slowing the pace afterwards."""
        self._paused_until = max(self._paused_until, self.clock() + max(0.0, seconds))
        self._changed.set()

    def pause(self, seconds: float) -> None:
        """The whole bot is over the platform's limit: nobody on it sends for `seconds`, and
        the total pace slows for a while."""
        self._paused_until = max(self._paused_until, self.clock() + max(0.0, seconds))
        self._total_step = min(self._base_step * MAX_SLOWDOWN, self._total_step * SLOWDOWN)
        self._changed.set()

    def back_off(
        self, chats: Sequence[str], seconds: float, bot_wide: bool | None = None
    ) -> bool:
        """The platform refused a send to `chats` with "retry after `seconds`": those chats
        wait; the whole platform waits too when `bot_wide`, or, when the platform did not say
        (None), when several different chats were refused lately. True if all of it waits."""
        now = self.clock()
        until = now + max(0.0, seconds)
        for chat in chats:
            self._chat_held[chat] = max(self._chat_held.get(chat, 0.0), until)
        if len(self._chat_held) > PRUNE_AT:
            self._chat_held = {c: t for c, t in self._chat_held.items() if t > now}
        key = tuple(chats)
        while self._refusals and now - self._refusals[0][0] >= BOT_WIDE_WINDOW:
            self._refusals.popleft()
        self._refusals.append((now, key))
        distinct = {k for _, k in self._refusals}
        if bot_wide or (bot_wide is None and len(distinct) >= BOT_WIDE_CHATS):
            self.pause(seconds)
            return True
        self._changed.set()
        return False

    def done(self) -> None:
        """A granted send is over (its answer is in, or it was not made).

        The platform counts a send when it takes it in, some time between our grant and its
        answer, so every send it may count in its window ending at a new send's arrival was
        in flight or done within one window before that send is granted: granting only while
        those number fewer than the limit keeps the platform's count within it, however
        stalls on the way (here, on the network, at the platform) bunch the arrivals."""
        if self._flying:
            self._flying.popleft()
        if self._window:
            self._landed.append(self.clock())
        self._changed.set()

    def chat_wait(self, chats: Sequence[str]) -> float:
        """Seconds until `chats` may be sent to again, whatever the total rate (0: now)."""
        return max(0.0, self._chat_ready(tuple(chats)) - self.clock())

    def try_acquire(self, chats: Sequence[str], priority: int) -> bool:
        """Take a slot only if one is free right now and nobody as urgent is waiting."""
        if any(w.priority <= priority for w in self._waiters):
            return False
        now = self.clock()
        if self._ready_at(tuple(chats), now) > now:
            return False
        self._grant(tuple(chats), now)
        return True

    async def acquire(self, chats: Sequence[str], priority: int) -> None:
        """Wait for a slot to send to `chats` (one API call) at `priority` (lower goes first)."""
        if self.try_acquire(chats, priority):
            return
        loop = asyncio.get_running_loop()
        waiter = _Waiter(priority, next(self._seq), tuple(chats), loop.create_future())
        self._waiters.append(waiter)
        self._changed.set()
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._run_pump())
        try:
            await waiter.future
        except asyncio.CancelledError:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            raise

    def next_free(self, chats: Sequence[str]) -> float:
        """Seconds until a send to `chats` would be allowed (0 when allowed now)."""
        now = self.clock()
        return max(0.0, self._ready_at(tuple(chats), now) - now)

    # --- internals ---------------------------------------------------------------------------

    def _ready_at(self, chats: tuple[str, ...], now: float) -> float:
        ready = max(self._paused_until, self._total_tat - self._total_slack)
        if self._window:
            while self._landed and now - self._landed[0] >= self._window:
                self._landed.popleft()
            while self._flying and now - self._flying[0] >= FLIGHT_MAX:
                self._flying.popleft()  # never reported done: taken as long over
            if len(self._flying) + len(self._landed) >= self._window_cap:
                # until the oldest done send leaves the window, or (woken sooner by `done`)
                ready = max(ready, (self._landed[0] if self._landed else now) + self._window)
        return max(ready, self._chat_ready(chats))

    def _chat_ready(self, chats: tuple[str, ...]) -> float:
        """When the chats' own pace and back-off allow the next send (replies alike)."""
        ready = 0.0
        for chat in chats:
            ready = max(ready, self._chat_held.get(chat, 0.0))
            if self._chat_step:
                ready = max(ready, self._chat_tat.get(chat, 0.0) - self._chat_slack)
        return ready

    def _grant(self, chats: tuple[str, ...], now: float) -> None:
        self.granted += 1
        if self._total_step:
            self._total_tat = max(self._total_tat, now) + self._total_step
            self._flying.append(now)
            if self._total_step > self._base_step:
                self._total_step = max(self._base_step, self._total_step * RECOVERY)
        if self._chat_step:
            for chat in chats:
                self._chat_tat[chat] = max(self._chat_tat.get(chat, 0.0), now) + self._chat_step
            if len(self._chat_tat) > PRUNE_AT:
                self._chat_tat = {c: t for c, t in self._chat_tat.items() if t > now}

    async def _run_pump(self) -> None:
        """Hand out slots to waiters in priority order until none is left."""
        while self._waiters:
            self._changed.clear()
            now = self.clock()
            wake_at = None
            for waiter in sorted(self._waiters):
                if waiter.future.done():  # cancelled meanwhile
                    self._waiters.remove(waiter)
                    continue
                ready = self._ready_at(waiter.chats, now)
                if ready <= now:
                    self._waiters.remove(waiter)
                    self._grant(waiter.chats, now)
                    waiter.future.set_result(None)
                    break
                wake_at = ready if wake_at is None else min(wake_at, ready)
            else:
                if wake_at is not None:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), max(0.0, wake_at - now))
                continue
            await asyncio.sleep(0)  # let the granted caller run before the next grant
