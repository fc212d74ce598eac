"""Delivery lanes: one per platform, taking due outbox rows in priority order and sending them
within the platform's limits.

A lane claims a chunk of due rows, groups identical messages into one `send_batch` call when the
adapter's `batch_limit` allows more than one recipient, waits for a rate-limiter slot per call and
sends with several calls in flight, messages to one chat kept in order. A more urgent message
queued meanwhile makes the lane hand the rest of its chunk back and start again from the top.
While claimed rows wait for their slot, the lane renews their lease; a row whose lease is not
known to hold any more is not sent (another worker may have it).

A row whose chat is not free yet (it was just answered, or the platform asked that chat to wait)
does not hold up the rest: it goes back to the queue, due when its chat is free, and the lane
goes on with the other chats. Only the platform's total rate paces the lane as a whole.

One chat's messages keep their order: the lane notes the chats of the rows queued or claimed
here, and a message the notifier would send at once (inline) goes behind that chat's rows still
unsent instead, unless it is more urgent than all of them (`queued_ahead`). Without it, a push
that found no free slot waited in the outbox while the next one to the same chat, a moment
later, found one and went first (a job's card before the reporter's photo it refers to).

With other delivery workers live, the lane leaves the chats they hold to them (see
bot.delivery.outbox) and looks for due rows more often: rows queued by another process do not
wake it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.types import Adapter, Address, DeliveryError, Reply
from bot.delivery.outbox import Claimed, OutboxStore
from bot.delivery.ratelimit import RateLimiter
from models.outbox import OutboxMessage

log = logging.getLogger(__name__)

IDLE_POLL = 30.0
IN_FLIGHT_SECONDS = 0.5
DEFER_AFTER = 0.05  # a chat free within this many seconds is waited for, not put back
STOP_GRACE = 5.0
# with other workers live: look this often for rows they queued, and at most this often while
# the due rows are all of chats they hold
SHARED_POLL = 1.0
SHARED_MIN_POLL = 0.2


@dataclass
class Batch:
    """Rows sent with one API call: one row, or identical rows for distinct chats."""

    rows: list[Claimed]
    chat_set: set[str] = field(default_factory=set)

    def add(self, row: Claimed) -> None:
        """Add a row (its chat must not be in the batch yet)."""
        self.rows.append(row)
        self.chat_set.add(row.chat_id)

    @property
    def priority(self) -> int:
        """The most urgent priority among the rows."""
        return min(r.priority for r in self.rows)

    @property
    def chats(self) -> tuple[str, ...]:
        """The recipients' chat ids."""
        return tuple(r.chat_id for r in self.rows)


def make_batches(rows: Sequence[Claimed], batch_limit: int) -> list[Batch]:
    """Group identical rows (same group key and priority) into batches of distinct chats,
    keeping the rows' order of urgency."""
    if batch_limit <= 1:
        return [Batch([r], {r.chat_id}) for r in rows]
    batches: list[Batch] = []
    open_batches: dict[tuple[str, int], Batch] = {}
    for row in rows:
        if row.group_key is None:
            batches.append(Batch([row], {row.chat_id}))
            continue
        key = (row.group_key, row.priority)
        batch = open_batches.get(key)
        if batch is None or len(batch.rows) >= batch_limit or row.chat_id in batch.chat_set:
            batch = Batch([])
            open_batches[key] = batch
            batches.append(batch)
        batch.add(row)
    return batches


class Lane:
    """Sends one platform's queued messages, most urgent first, within its limits."""

    def __init__(
        self,
        platform: str,
        adapter: Adapter,
        limiter: RateLimiter,
        store: OutboxStore,
        max_in_flight: int | None = None,
    ):
        self.platform = platform
        self.adapter = adapter
        self.limiter = limiter
        self.store = store
        self.batch_limit = int(adapter.batch_limit or 1)
        total = limiter.limits.total_per_second
        calls = min(500, max(50, int(2 * total))) if total > 0 else 200
        self.chunk = max(calls, self.batch_limit)
        per_chat = limiter.limits.per_chat_per_second
        # how long a chat stays with the worker that sent to it last: its burst at its pace
        self.chat_hold = (
            timedelta(seconds=max(1, limiter.limits.chat_burst) / per_chat)
            if per_chat > 0 else timedelta(0)
        )
        # calls in flight: enough to keep the pace with half a second of latency, few enough
        # that the HTTP client's connection pool stays small
        in_flight = max_in_flight or (max(4, math.ceil(total * IN_FLIGHT_SECONDS)) if total else 16)
        self._slots = asyncio.Semaphore(in_flight)
        self._tasks: set[asyncio.Task[int]] = set()
        self._tails: dict[str, asyncio.Task[int]] = {}
        self._put_back: dict[str, datetime] = {}  # chat -> when its put-back rows are due
        self._wakeup = asyncio.Event()
        self._urgent = math.inf
        self._runner: asyncio.Task[None] | None = None
        self._stopping = False
        self._held: dict[int, Claimed] = {}  # claimed rows not yet sent, failed or given back
        # chat -> (most urgent priority, stamp) of its rows queued or claimed here, maybe unsent
        # yet: the outbox is asked before a message to such a chat is sent inline
        self._waiting: dict[str, tuple[int, int]] = {}
        self._stamp = 0  # counts the notes: what was noted after a look at the outbox stays
        self._renewer: asyncio.Task[None] | None = None

    # --- control -----------------------------------------------------------------------------

    def wake(self, priority: int) -> None:
        """New work was queued; more urgent than the chunk in hand, it goes first."""
        self._urgent = min(self._urgent, priority)
        self._wakeup.set()

    def note_waiting(self, chat: str, priority: int) -> None:
        """A message to `chat` at `priority` waits in the outbox (queued, or claimed here)."""
        noted = self._waiting.get(chat)
        self._stamp += 1
        self._waiting[chat] = (priority if noted is None else min(priority, noted[0]), self._stamp)

    async def queued_ahead(self, chat: str, priority: int) -> bool:
        """Whether a message to `chat` at `priority` must be queued behind the chat's earlier
        messages instead of sent inline: some as urgent or more are not sent yet."""
        noted = self._waiting.get(chat)
        if noted is None or noted[0] > priority:
            return False
        looked = self._stamp
        waiting = await self.store.waiting_priority(self.platform, chat)
        noted = self._waiting.get(chat)
        if noted is not None and noted[1] <= looked:  # nothing noted meanwhile: the outbox says
            if waiting is None:
                del self._waiting[chat]
            else:
                self._waiting[chat] = (waiting, noted[1])
        return waiting is not None and waiting <= priority

    def start(self) -> None:
        """Run the lane in the background."""
        if self._runner is None:
            self._stopping = False
            self._runner = asyncio.create_task(self._run(), name=f"lane-{self.platform}")

    async def stop(self) -> None:
        """Stop taking rows, let calls in flight finish, give untried rows back, flush marks."""
        self._stopping = True
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
            self._runner = None
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=STOP_GRACE)
            for task in late:  # outcome unknown: the lease expires and the row is retried
                task.cancel()
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
            self._renewer = None
        await self.store.close()

    async def drain(self, limit: int) -> int:
        """Send every due row now (up to `limit`), waiting for the calls; returns rows sent."""
        tasks: list[asyncio.Task[int]] = []
        taken = 0
        while taken < limit:
            claimed, started = await self._work(limit - taken)
            tasks += started
            taken += claimed
            if not claimed:
                break
        results = await asyncio.gather(*tasks)
        await self.store.flush()
        return sum(results)

    async def send_now(self, row: OutboxMessage) -> int:
        """Send one claimed row in the caller's task (the slot already granted); its sent mark
        is written with the next batch of marks, a few milliseconds later (one UPDATE for many
        answers instead of one each)."""
        return await self._deliver(Batch([Claimed.of(row)], {row.chat_id}), ())

    # --- the loop ----------------------------------------------------------------------------

    async def _run(self) -> None:
        """Claim, pace, send; the next chunk is claimed while the current one ends."""
        ahead: asyncio.Task[list[Claimed]] | None = None
        try:
            while not self._stopping:
                self._wakeup.clear()
                try:
                    if ahead is not None:
                        task, ahead = ahead, None
                        rows = await task
                    else:
                        rows = await self._claim(self.chunk)
                    if not rows:
                        await self._idle()
                        continue

                    def claim_ahead() -> None:
                        nonlocal ahead
                        if ahead is None and not self._stopping:
                            ahead = asyncio.create_task(self._claim(self.chunk))

                    complete, _ = await self._pace(rows, claim_ahead)
                    if not complete and ahead is not None:  # something more urgent came
                        task, ahead = ahead, None
                        await self._release(await task)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("delivery lane %s failed; retrying", self.platform)
                    await asyncio.sleep(1.0)
        finally:
            if ahead is not None:
                with contextlib.suppress(Exception):
                    await self._release(await ahead)

    async def _idle(self) -> None:
        """Sleep until woken or until the earliest waiting row is due."""
        looked = self._stamp
        due: datetime | None = await self.store.next_due(self.platform)
        if due is None and self._waiting:  # nothing waits: forget the chats noted until then
            self._waiting = {c: n for c, n in self._waiting.items() if n[1] > looked}
        timeout = IDLE_POLL
        if due is not None:
            timeout = min(IDLE_POLL, max(0.01, (due - self.store.clock.now()).total_seconds()))
        if self.store.shared:
            timeout = min(max(timeout, SHARED_MIN_POLL), SHARED_POLL)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), timeout)

    async def _claim(self, limit: int) -> list[Claimed]:
        """Lease due rows; a more urgent row queued from now on preempts them."""
        self._urgent = math.inf
        rows = await self.store.claim(self.platform, limit, self.chat_hold)
        for row in rows:
            self._held[row.id] = row
            self.note_waiting(row.chat_id, row.priority)  # queued elsewhere or before a restart
        if rows and (self._renewer is None or self._renewer.done()):
            self._renewer = asyncio.create_task(self._renew(), name=f"lease-{self.platform}")
        return rows

    async def _release(self, rows: Sequence[Claimed]) -> None:
        """Hand claimed rows back to the queue untried."""
        for row in rows:
            self._held.pop(row.id, None)
        await self.store.release(rows)

    async def _defer(self, due: list[tuple[Claimed, datetime]]) -> None:
        """Hand claimed rows back, each due when its chat is free."""
        for row, _ in due:
            self._held.pop(row.id, None)
        await self.store.defer(due)

    async def _renew(self) -> None:
        """Keep renewing the lease of the rows held, while there are any; rows found claimed
        elsewhere (their lease ran out while renewing failed) are dropped unsent."""
        interval = self.store.lease.total_seconds() / 4
        while self._held:
            await asyncio.sleep(interval)
            rows = list(self._held.values())
            if not rows:
                break
            try:
                kept = await self.store.renew(rows)
            except Exception:  # the next round tries again; the rows stop being sent in time
                log.warning("could not renew %s outbox leases", len(rows), exc_info=True)
                continue
            for row in rows:
                if row.id not in kept:
                    log.warning("outbox %s: lease lost before sending; not sent here", row.id)
                    row.held_until = 0.0
                    self._held.pop(row.id, None)

    async def _work(self, limit: int) -> tuple[int, list[asyncio.Task[int]]]:
        """Claim a chunk and start its calls; returns rows claimed and the calls started."""
        rows = await self._claim(limit)
        if not rows:
            return 0, []
        _, started = await self._pace(rows)
        return len(rows), started

    async def _pace(
        self, rows: list[Claimed], running_low: Callable[[], None] | None = None
    ) -> tuple[bool, list[asyncio.Task[int]]]:
        """Start the calls for claimed rows as the limiter allows; stops early (False) when a
        more urgent row was queued, handing the untried rows back."""
        batches = make_batches(rows, self.batch_limit)
        low_mark = len(batches) - max(1, len(batches) // 4)
        started: list[asyncio.Task[int]] = []
        later: list[tuple[Claimed, datetime]] = []  # rows put back, due when their chat is free
        done = 0
        try:
            while done < len(batches):
                batch = batches[done]
                if self._urgent < batch.priority:
                    return False, started
                if done >= low_mark and running_low is not None:
                    running_low()
                due = self._put_back_until(batch.chats)
                if due is not None:  # one chat must wait: the others do not wait with it
                    later.extend((r, due) for r in batch.rows)
                    done += 1
                    continue
                await self._slots.acquire()
                try:
                    await self.limiter.acquire(batch.chats, batch.priority)
                except BaseException:
                    self._slots.release()
                    raise
                started.append(self._spawn(batch))
                done += 1
        finally:
            untried = [r for b in batches[done:] for r in b.rows]
            if untried:
                await self._release(untried)
            if later:
                await self._defer(later)
        return True, started

    def _put_back_until(self, chats: tuple[str, ...]) -> datetime | None:
        """When a batch whose chats are not free yet is due again (None: send it now). A chat
        with rows put back keeps that time for its later rows, so they stay behind them."""
        now = self.store.clock.now()
        due = max((d for c in chats if (d := self._put_back.get(c)) and d > now), default=None)
        wait = self.limiter.chat_wait(chats)
        if due is None and wait <= DEFER_AFTER:
            return None
        due = max(due or now, now + timedelta(seconds=wait))
        for chat in chats:
            self._put_back[chat] = due
        if len(self._put_back) > 10_000:
            self._put_back = {c: d for c, d in self._put_back.items() if d > now}
        return due

    def _spawn(self, batch: Batch) -> asyncio.Task[int]:
        after = tuple(t for c in batch.chats if (t := self._tails.get(c)) and not t.done())
        task = asyncio.create_task(self._deliver(batch, after))
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        for chat in batch.chats:
            self._tails[chat] = task
        return task

    def _finished(self, task: asyncio.Task[int]) -> None:
        self._tasks.discard(task)
        self._slots.release()
        if len(self._tails) > 10_000:
            self._tails = {c: t for c, t in self._tails.items() if not t.done()}

    async def _deliver(self, batch: Batch, after: Sequence[asyncio.Task[int]]) -> int:
        """One API call for the batch (its slot granted); records the outcome of every row and
        tells the limiter when the call is over."""
        try:
            return await self._call(batch, after)
        finally:
            self.limiter.done()

    async def _call(self, batch: Batch, after: Sequence[asyncio.Task[int]]) -> int:
        if after:  # earlier messages to these chats go first
            await asyncio.wait(after)
        rows = [r for r in batch.rows if r.held()]
        for row in batch.rows:
            self._held.pop(row.id, None)
        if len(rows) < len(batch.rows):  # their lease may have run out: another worker's now
            log.warning("%s outbox rows not sent: lease lapsed", len(batch.rows) - len(rows))
        if not rows:
            return 0
        reply = Reply.from_dict(rows[0].payload)
        try:
            if len(rows) == 1:
                await self.adapter.send(Address(self.platform, rows[0].chat_id), reply)
            else:
                await self.adapter.send_batch([r.chat_id for r in rows], reply)
        except Exception as exc:
            return await self._failed(rows, exc)
        self.store.sent_later(r.id for r in rows)
        return len(rows)

    async def _failed(self, rows: list[Claimed], exc: Exception) -> int:
        """Reschedule the rows the call did not reach (all, unless the adapter said which)."""
        if isinstance(exc, DeliveryError):
            error, retry_after, permanent = str(exc), exc.retry_after, exc.permanent
        else:  # an adapter bug must not lose the message
            log.error("adapter %s failed to send", self.platform, exc_info=exc)
            error, retry_after, permanent = repr(exc), None, False
        named = exc.failed_chat_ids if isinstance(exc, DeliveryError) else None
        failed_chats = set(map(str, named)) if named is not None else None
        if retry_after:
            refused = [r.chat_id for r in rows if failed_chats is None or r.chat_id in failed_chats]
            bot_wide = exc.bot_wide if isinstance(exc, DeliveryError) else None
            self.limiter.back_off(refused, retry_after, bot_wide)
        reached = [r for r in rows if failed_chats is not None and r.chat_id not in failed_chats]
        reached_ids = {r.id for r in reached}
        for row in rows:
            if row.id not in reached_ids:
                await self.store.failed(row, error, retry_after, permanent)
        # the loop may be asleep until a later row (or IDLE_POLL): have it look at the retry
        # time now, so a failed inline send is retried at its back-off, not half a minute on
        self._wakeup.set()
        if reached:
            self.store.sent_later(r.id for r in reached)
        return len(reached)
