"""The notifier's delivery: rate limits, priority, batching, retries, idempotency, restarts."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import pytest

from bot.core.i18n import Translator
from bot.core.types import Address, BaseAdapter, DeliveryError, Reply
from bot.delivery.notifier import (
    PRIORITY_BULK,
    PRIORITY_EMERGENCY,
    PRIORITY_OFFER,
    Notifier,
    Outgoing,
)
from bot.delivery.outbox import OutboxStore, now_utc
from bot.delivery.ratelimit import PlatformLimits, RateLimiter
from models.outbox import OutboxMessage

PLATFORM = "tg"


@dataclass
class TimedAdapter(BaseAdapter):
    """Records (time, chat, text) of every send; can be slow or fail chosen chats."""

    platform: str = PLATFORM
    delay: float = 0.0
    sent: list[tuple[float, str, str]] = field(default_factory=list)
    failures: dict[str, list[Exception]] = field(default_factory=dict)

    async def start(self, feed) -> None:
        """Nothing to receive."""

    async def stop(self) -> None:
        """Nothing to release."""

    async def fetch_file(self, ref: str) -> bytes:
        """No files."""
        raise DeliveryError("no files", permanent=True)

    async def send(self, address: Address, reply: Reply) -> None:
        """Record, after `delay`; raise the next failure planned for this chat."""
        if self.delay:
            await asyncio.sleep(self.delay)
        planned = self.failures.get(address.chat_id)
        if planned:
            raise planned.pop(0)
        self.sent.append((time.monotonic(), address.chat_id, reply.text))

    def chats(self) -> list[str]:
        """Chats in the order they were reached."""
        return [chat for _, chat, _ in self.sent]


class PartialBatchError(DeliveryError):
    """A batch call that reached some members only."""

    def __init__(self, failed_chat_ids: list[str]):
        super().__init__("some members unreachable")
        self.failed_chat_ids = failed_chat_ids


@dataclass
class BatchAdapter(TimedAdapter):
    """An adapter with send_batch (like WeCom's message/send to up to `batch_limit` members)."""

    batch_limit: int = 3
    batches: list[list[str]] = field(default_factory=list)
    batch_failures: list[Exception] = field(default_factory=list)

    async def send_batch(self, chat_ids: list[str], reply: Reply) -> None:
        """Record one call for many chats."""
        assert len(chat_ids) <= self.batch_limit
        self.batches.append(list(chat_ids))
        if self.batch_failures:
            error = self.batch_failures.pop(0)
            named = error.failed_chat_ids if isinstance(error, DeliveryError) else None
            failed = chat_ids if named is None else named
            for chat in chat_ids:
                if chat not in failed:
                    self.sent.append((time.monotonic(), chat, reply.text))
            raise error
        for chat in chat_ids:
            self.sent.append((time.monotonic(), chat, reply.text))


def items(count: int, text: str = "alert", priority: int = PRIORITY_EMERGENCY, key: str = "k"):
    """`count` identical messages to chats c0…, each with a once-only key."""
    reply = Reply(text)
    return [
        Outgoing(Address(PLATFORM, f"c{i}"), reply, priority, f"{key}:{i}") for i in range(count)
    ]


def notifier(adapter, total: float = 0.0, per_chat: float = 0.0, burst: int = 1) -> Notifier:
    """A notifier for one adapter with the given limits."""
    limits = {PLATFORM: PlatformLimits(total, per_chat, burst)}
    return Notifier({PLATFORM: adapter}, Translator(), limits=limits)


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most events in any half-open window of `window` seconds."""
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def wait_until(predicate, timeout: float = 10.0) -> None:
    """Poll until predicate() is true."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


# --- the rate limiter --------------------------------------------------------------------------


async def test_limiter_keeps_total_and_per_chat_rates():
    limiter = RateLimiter(PlatformLimits(total_per_second=50, per_chat_per_second=5))
    grants: list[tuple[float, str]] = []

    async def sender(chat: str) -> None:
        for _ in range(10):
            await limiter.acquire([chat], 5)
            grants.append((time.monotonic(), chat))
            limiter.done()  # sent

    started = time.monotonic()
    await asyncio.gather(*(sender(f"c{i}") for i in range(10)))
    elapsed = time.monotonic() - started
    assert max_in_window([t for t, _ in grants]) <= 50
    for chat in {c for _, c in grants}:
        assert max_in_window([t for t, c in grants if c == chat]) <= 5
    assert 1.5 < elapsed < 2.6  # 100 sends at 50/s (paced a little under the limit)


async def test_the_total_cap_counts_sends_in_flight_and_answered_within_the_last_second():
    """The platform counts a send somewhere between our grant and its answer: a send still in
    flight, or answered less than a second ago, may share a second of the platform's count
    with the next one, so no more than the limit of them may be."""
    clock = [0.0]
    limiter = RateLimiter(PlatformLimits(total_per_second=10, margin=1.0), lambda: clock[0])
    for i in range(10):
        assert limiter.try_acquire([f"c{i}"], 5)
        clock[0] += 0.1
    clock[0] = 2.5  # paced, but none answered yet (a slow network, a stalled server)
    assert not limiter.try_acquire(["late"], 5)
    for _ in range(10):
        limiter.done()  # all answered at 2.5 s: the platform may have counted them all then
    clock[0] = 3.4
    assert not limiter.try_acquire(["late"], 5)
    assert limiter.next_free(["late"]) == pytest.approx(0.1)
    clock[0] = 3.5
    assert limiter.try_acquire(["late"], 5)


async def test_limiter_serves_the_most_urgent_waiter_first():
    limiter = RateLimiter(PlatformLimits(total_per_second=20))
    order: list[str] = []

    async def take(name: str, priority: int) -> None:
        await limiter.acquire([name], priority)
        order.append(name)

    bulk = [asyncio.create_task(take(f"bulk{i}", PRIORITY_BULK)) for i in range(6)]
    await asyncio.sleep(0.12)  # two or three bulk sends got their slot
    urgent = asyncio.create_task(take("reply", 1))
    await asyncio.gather(urgent, *bulk)
    position = order.index("reply")
    assert position <= 4 and order[position + 1 :], order  # next slot, ahead of queued bulk


async def test_limiter_pause_holds_everyone():
    limiter = RateLimiter(PlatformLimits())  # no rate limits, but retry_after still applies
    assert limiter.try_acquire(["a"], 5)
    limiter.pause(0.3)
    assert not limiter.try_acquire(["b"], 1)
    started = time.monotonic()
    await limiter.acquire(["b"], 1)
    assert time.monotonic() - started >= 0.28


# --- priority, batching, idempotency (driven by deliver_due) ------------------------------------


async def test_emergency_rows_go_before_queued_digests(db):
    adapter = TimedAdapter()
    n = notifier(adapter)
    await n.enqueue(items(5, "digest", PRIORITY_BULK, "d"))
    await n.enqueue(items(3, "alert", PRIORITY_EMERGENCY, "a"))
    assert await n.deliver_due() == 8
    texts = [text for _, _, text in adapter.sent]
    assert texts == ["alert"] * 3 + ["digest"] * 5


async def test_identical_rows_share_batch_calls(db):
    adapter = BatchAdapter(batch_limit=3)
    n = notifier(adapter)
    await n.enqueue(items(7, "same", key="s"))
    await n.enqueue([Outgoing(Address(PLATFORM, "x"), Reply("other"), PRIORITY_EMERGENCY, "o")])
    assert await n.deliver_due() == 8
    assert [len(b) for b in adapter.batches] == [3, 3]  # the 7th identical one went alone
    assert sorted(adapter.chats()) == sorted([f"c{i}" for i in range(7)] + ["x"])
    assert await OutboxMessage.filter(status="sent").count() == 8


async def test_a_partly_failed_batch_retries_only_those_missed(db):
    adapter = BatchAdapter(batch_limit=5, batch_failures=[PartialBatchError(["c2"])])
    n = notifier(adapter)
    await n.enqueue(items(4, key="p"))
    assert await n.deliver_due() == 3
    missed = await OutboxMessage.get(chat_id="c2")
    assert missed.status == "pending" and missed.attempts == 1
    await OutboxMessage.filter(id=missed.id).update(next_attempt_at=now_utc())
    assert await n.deliver_due() == 1
    assert sorted(adapter.chats()) == ["c0", "c1", "c2", "c3"]


async def test_the_default_adapter_sends_one_by_one_and_names_who_is_still_owed():
    adapter = TimedAdapter(failures={"c2": [DeliveryError("blocked", permanent=True)]})
    assert adapter.batch_limit == 1 and adapter.rate_limits is None
    await adapter.send_batch(["c0", "c1"], Reply("hi"))
    assert adapter.chats() == ["c0", "c1"]
    try:
        await adapter.send_batch(["c1", "c2", "c3"], Reply("hi"))
    except DeliveryError as exc:
        assert exc.failed_chat_ids == ["c2", "c3"]
    else:
        raise AssertionError("the failure was swallowed")
    assert adapter.chats() == ["c0", "c1", "c1"]


async def test_idempotency_key_sends_once(db):
    adapter = TimedAdapter()
    n = notifier(adapter)
    assert await n.enqueue(items(3, key="once")) == 3
    assert await n.enqueue(items(3, key="once")) == 0
    await n.deliver_due()
    address = Address(PLATFORM, "solo")
    first = await n.send(address, Reply("hi"), idempotency_key="solo:1")
    again = await n.send(address, Reply("hi"), idempotency_key="solo:1")
    assert first.id == again.id
    assert sorted(adapter.chats()) == ["c0", "c1", "c2", "solo"]


async def test_permanent_failure_is_not_retried_and_unknown_platform_fails(db):
    adapter = TimedAdapter(failures={"c0": [DeliveryError("blocked", permanent=True)]})
    n = notifier(adapter)
    await n.enqueue(items(2, key="f"))
    await n.enqueue([Outgoing(Address("nowhere", "z"), Reply("x"), PRIORITY_EMERGENCY, "z")])
    assert await n.deliver_due() == 1
    assert (await OutboxMessage.get(chat_id="c0")).status == "failed"
    assert (await OutboxMessage.get(chat_id="z")).status == "failed"
    assert await n.deliver_due() == 0


async def test_messages_to_one_chat_keep_their_order(db):
    adapter = TimedAdapter(delay=0.002)
    n = notifier(adapter)
    reply_items = [
        Outgoing(Address(PLATFORM, "same"), Reply(f"m{i}"), PRIORITY_EMERGENCY) for i in range(20)
    ]
    await n.enqueue(reply_items)
    await n.deliver_due()
    assert [text for _, _, text in adapter.sent] == [f"m{i}" for i in range(20)]


async def test_a_message_does_not_overtake_the_ones_queued_before_it_to_its_chat(db):
    # the dispatch walk-through's flake: the reporter's photo to the worker found no slot free
    # (a send to another chat had just taken the total pace) and was queued; the job card right
    # after it found one and was sent at once, before the photo it comes with
    adapter = TimedAdapter()
    n = notifier(adapter, total=30)
    lane = n.lane(PLATFORM)
    skew = [0.0]
    lane.limiter = RateLimiter(PlatformLimits(total_per_second=30),
                               lambda: time.monotonic() + skew[0])
    lane.limiter.hold(60)  # no slot free now (the lane is not running: nothing is sent by it)
    worker = Address(PLATFORM, "worker")
    await n.send(worker, Reply("photo"), PRIORITY_OFFER)
    assert adapter.sent == []  # queued
    skew[0] += 61  # a slot is free again before the lane got to the photo
    await n.send(worker, Reply("card"), PRIORITY_OFFER)
    await n.send(worker, Reply("reminder"), PRIORITY_BULK)
    await n.send(worker, Reply("answer"), priority=1)  # more urgent than all that waits: at once
    assert [text for _, _, text in adapter.sent] == ["answer"]
    assert await n.deliver_due() == 3
    assert [text for _, _, text in adapter.sent] == ["answer", "photo", "card", "reminder"]
    skew[0] += 1  # past the pace of those three sends
    await n.send(worker, Reply("next"), PRIORITY_OFFER)  # nothing waits any more: at once
    assert [text for _, _, text in adapter.sent][-1] == "next"
    assert await OutboxMessage.filter(status="pending").count() == 0


# --- the running lanes ------------------------------------------------------------------------


async def test_a_reply_does_not_wait_behind_a_broadcast(db):
    adapter = TimedAdapter()
    n = notifier(adapter, total=40)
    await n.start()
    try:
        await n.enqueue(items(80, key="b"))  # 2 s of sending
        await wait_until(lambda: len(adapter.sent) >= 10)
        started = time.monotonic()
        await n.send(Address(PLATFORM, "user"), Reply("your answer"), priority=1)
        assert time.monotonic() - started < 0.2
        assert "user" in adapter.chats() and len(adapter.sent) < 40
        started = time.monotonic()
        await n.send(Address(PLATFORM, "later"), Reply("a reminder"), priority=PRIORITY_BULK)
        assert time.monotonic() - started < 0.1  # queued, not waited for
        await wait_until(lambda: len(adapter.sent) == 82)
        assert adapter.chats()[-1] == "later"  # after the whole broadcast
    finally:
        await n.stop()


async def test_one_chats_retry_after_does_not_stall_the_other_chats(db):
    adapter = TimedAdapter(failures={"c1": [DeliveryError("429", retry_after=0.4)]})
    n = notifier(adapter, total=100)
    await n.start()
    try:
        started = time.monotonic()
        await n.enqueue(items(5, key="r"))
        await wait_until(lambda: len(adapter.sent) == 5)
        others = [t for t, chat, _ in adapter.sent if chat != "c1"]
        assert max(others) - started < 0.3  # nobody else waited for c1's retry_after
        [retried] = [t for t, chat, _ in adapter.sent if chat == "c1"]
        assert retried - started >= 0.38  # c1 itself waited what it was told
        assert sorted(adapter.chats()) == [f"c{i}" for i in range(5)]
    finally:
        await n.stop()


async def test_retry_after_for_several_chats_pauses_the_whole_platform(db):
    """Refusals of three different chats within a second: the bot as a whole is over the limit,
    so nobody is sent anything until the retry_after is over."""
    refuse = {f"c{i}": [DeliveryError("429", retry_after=0.4)] for i in (1, 2, 3)}
    adapter = TimedAdapter(failures=refuse)
    n = notifier(adapter, total=100)
    await n.start()
    try:
        started = time.monotonic()
        await n.enqueue(items(8, key="r"))
        await wait_until(lambda: len(adapter.sent) == 8)
        later = [t for t, chat, _ in adapter.sent if chat not in ("c0",)]
        assert min(later) - started >= 0.38
        assert sorted(adapter.chats()) == [f"c{i}" for i in range(8)]
    finally:
        await n.stop()


async def test_the_platform_saying_bot_wide_pauses_everyone_at_once(db):
    limiter = RateLimiter(PlatformLimits())
    assert not limiter.back_off(["a"], 0.3, bot_wide=False)
    assert limiter.try_acquire(["b"], 5) and not limiter.try_acquire(["a"], 1)
    assert not limiter.back_off(["b"], 0.3, bot_wide=False)  # told: those chats only
    assert not limiter.back_off(["c"], 0.3, bot_wide=False)
    assert limiter.try_acquire(["d"], 5)
    assert limiter.back_off(["e"], 0.3, bot_wide=True)
    assert not limiter.try_acquire(["f"], 1)
    assert 0.25 < limiter.next_free(["f"]) <= 0.3


def grants_in_a_second(limiter: RateLimiter, clock: list[float]) -> int:
    """How many sends (to distinct chats) the limiter grants in the next second of its clock."""
    granted, end = 0, clock[0] + 1.0
    while clock[0] < end:
        if limiter.try_acquire([f"x{granted}-{clock[0]}"], 5):
            granted += 1
            limiter.done()  # sent at once
        clock[0] += 0.001
    return granted


async def test_after_a_bot_wide_refusal_the_pace_slows_and_recovers():
    clock = [0.0]
    limiter = RateLimiter(PlatformLimits(total_per_second=100, margin=1.0), lambda: clock[0])
    full = grants_in_a_second(limiter, clock)
    assert full >= 95
    limiter.pause(0.0)
    limiter.pause(0.0)
    assert grants_in_a_second(limiter, clock) < full * 0.9  # 1.1 x 1.1 slower, recovering
    for _ in range(20):
        limiter.pause(0.0)
    assert grants_in_a_second(limiter, clock) >= 60  # never below 2/3 of the rate
    for _ in range(40):
        grants_in_a_second(limiter, clock)
    assert grants_in_a_second(limiter, clock) == full  # recovered


async def test_a_rate_limited_message_is_never_given_up(db):
    """Five "retry after"s in a row on one chat, with two attempts allowed: waits are not
    errors, so the message still goes out, and a real error afterwards is its first attempt."""
    waits = [DeliveryError("429", retry_after=0.05) for _ in range(5)]
    adapter = TimedAdapter(failures={"c0": [*waits, DeliveryError("boom")]})
    n = Notifier({PLATFORM: adapter}, Translator(), max_attempts=2,
                 limits={PLATFORM: PlatformLimits(100)})
    await n.start()
    try:
        await n.enqueue(items(1, key="w"))
        await wait_until(lambda: adapter.failures["c0"] == [], timeout=5)
        row = await OutboxMessage.get(idempotency_key="w:0")
        assert row.status == "pending" and row.attempts == 1  # the error counted, the waits not
        await OutboxMessage.filter(id=row.id).update(next_attempt_at=now_utc())
        n.lane(PLATFORM).wake(0)
        await wait_until(lambda: len(adapter.sent) == 1)
    finally:
        await n.stop()


async def test_a_chat_that_is_not_free_does_not_hold_up_the_broadcast(db):
    """c0 was just answered (1 message/s per chat): its two alerts go out when it is free, in
    order, while everyone else is sent theirs at once."""
    adapter = TimedAdapter()
    n = notifier(adapter, total=100, per_chat=1)
    await n.start()
    try:
        answered = time.monotonic()
        await n.send(Address(PLATFORM, "c0"), Reply("your answer"), priority=1)
        second = Outgoing(Address(PLATFORM, "c0"), Reply("alert 2"), PRIORITY_EMERGENCY, "x")
        await n.enqueue([*items(10, key="b"), second])
        await wait_until(lambda: len(adapter.sent) == 12, timeout=5)
        others = [t for t, chat, _ in adapter.sent if chat != "c0"]
        assert max(others) - answered < 0.4
        to_c0 = [(t, text) for t, chat, text in adapter.sent if chat == "c0"]
        assert [text for _, text in to_c0] == ["your answer", "alert", "alert 2"]
        assert to_c0[1][0] - answered >= 1.0 and to_c0[2][0] - to_c0[1][0] >= 1.0
    finally:
        await n.stop()


async def test_restart_mid_broadcast_loses_nothing_and_sends_once(db):
    adapter = TimedAdapter(delay=0.003)
    first = notifier(adapter, total=100)
    await first.start()
    await first.enqueue(items(150, key="x"))
    await wait_until(lambda: len(adapter.sent) >= 40)
    await first.stop()  # mid-broadcast
    sent_before = len(adapter.sent)
    assert sent_before < 150
    assert await OutboxMessage.filter(status="sending").count() == 0  # nothing left leased
    assert await OutboxMessage.filter(status="sent").count() == sent_before
    second = notifier(adapter, total=100)
    await second.start()
    try:
        await wait_until(lambda: len(adapter.sent) >= 150)
        await asyncio.sleep(0.1)
        await second.store.flush()  # sent marks are written in small batches
        assert sorted(adapter.chats()) == sorted(f"c{i}" for i in range(150))
        assert await n_sent() == 150
    finally:
        await second.stop()


async def n_sent() -> int:
    """Outbox rows marked sent."""
    return await OutboxMessage.filter(status="sent").count()


async def test_rows_of_a_crashed_worker_are_sent_after_their_lease(db):
    adapter = TimedAdapter()
    n = notifier(adapter)
    await n.enqueue(items(3, key="c"))
    crashed = await OutboxStore().claim(PLATFORM, 10)  # claimed, then the process died
    assert len(crashed) == 3
    assert await n.deliver_due() == 0  # still leased
    await OutboxMessage.filter(status="sending").update(next_attempt_at=now_utc())
    assert await n.deliver_due() == 3
    assert sorted(adapter.chats()) == ["c0", "c1", "c2"]


async def test_replies_and_pushes_share_a_chats_pace():
    limiter = RateLimiter(PlatformLimits(per_chat_per_second=2))
    assert limiter.try_acquire(["c"], 1)  # a reply ...
    assert not limiter.try_acquire(["c"], PRIORITY_EMERGENCY)  # ... then an alert waits
    assert limiter.next_free(["c"]) > 0.45
    assert limiter.try_acquire(["other"], PRIORITY_EMERGENCY)
    await limiter.acquire(["other"], PRIORITY_EMERGENCY)  # an alert ...
    assert not limiter.try_acquire(["other"], 1)  # ... then a reply waits too


async def test_a_chats_burst_applies_to_replies_and_pushes_alike():
    limiter = RateLimiter(PlatformLimits(per_chat_per_second=2, chat_burst=3))
    for priority in (1, PRIORITY_EMERGENCY, 1):  # a tap answered with messages and an alert
        assert limiter.try_acquire(["c"], priority)
    assert not limiter.try_acquire(["c"], 1)
    assert limiter.next_free(["c"]) > 0.45


async def test_a_batching_lane_fills_its_calls_with_the_whole_fan_out(db):
    adapter = BatchAdapter(batch_limit=1000)
    n = notifier(adapter, total=20)
    await n.start()
    try:
        await n.enqueue(items(2500, key="w"))
        await wait_until(lambda: len(adapter.sent) == 2500)
        assert [len(b) for b in adapter.batches] == [1000, 1000, 500]
        assert len(set(adapter.chats())) == 2500
    finally:
        await n.stop()


async def test_a_failed_inline_reply_is_retried_at_its_back_off_not_at_the_idle_poll(db):
    adapter = TimedAdapter(failures={"user": [DeliveryError("timeout")]})
    n = notifier(adapter, total=30)
    await n.start()
    try:
        await asyncio.sleep(0.2)  # the lane has found nothing to do and sleeps (IDLE_POLL)
        failed_at = time.monotonic()
        await n.send(Address(PLATFORM, "user"), Reply("your answer"), priority=1)
        assert adapter.sent == []  # the inline attempt failed: back-off 2 s
        await wait_until(lambda: len(adapter.sent) == 1, timeout=10)
        assert time.monotonic() - failed_at < 6  # not IDLE_POLL (30 s) later
    finally:
        await n.stop()
