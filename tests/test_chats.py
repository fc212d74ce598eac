"""The per-chat scheduler every adapter hands its updates to: order, concurrency, pruning."""

from __future__ import annotations

import asyncio
import logging

from bot.core.chats import ChatScheduler


async def test_a_chats_jobs_run_in_order_and_other_chats_meanwhile():
    chats = ChatScheduler("test")
    log: list[str] = []
    gate = asyncio.Event()

    def job(name: str, wait: bool = False):
        async def run() -> None:
            log.append(f"+{name}")
            if wait:
                await gate.wait()
            await asyncio.sleep(0)
            log.append(f"-{name}")

        return run

    chats.schedule("a", job("a1", wait=True))
    chats.schedule("a", job("a2"))
    chats.schedule("b", job("b1"))
    await asyncio.sleep(0.05)
    assert log == ["+a1", "+b1", "-b1"] and chats.active_chats == 1
    gate.set()
    await chats.drain()
    assert log[3:] == ["-a1", "+a2", "-a2"]
    assert chats.active_chats == 0


async def test_a_failing_job_is_logged_and_the_chat_goes_on(caplog):
    chats = ChatScheduler("test")
    done: list[int] = []

    async def boom() -> None:
        raise RuntimeError("handler bug")

    async def fine() -> None:
        done.append(1)

    with caplog.at_level(logging.ERROR):
        chats.schedule("a", boom)
        chats.schedule("a", fine)
        await chats.drain()
    assert done == [1] and "handler bug" in caplog.text
    assert chats.active_chats == 0


async def test_concurrency_is_bounded_and_drain_cancels_what_is_late():
    chats = ChatScheduler("test", concurrency=2)
    running, peak = 0, 0

    async def slow() -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(10)

    for i in range(5):
        chats.schedule(f"c{i}", slow)
    await asyncio.sleep(0.05)
    assert peak == 2
    await chats.drain(timeout=0.05)
    assert chats.active_chats == 0


async def test_turn_alone_orders_callers_in_their_own_tasks():
    chats = ChatScheduler("test")
    order: list[int] = []

    async def caller(i: int) -> None:
        async with chats.turn("a"):
            await asyncio.sleep(0.01 * (3 - i))
            order.append(i)

    await asyncio.gather(*(caller(i) for i in range(3)))
    assert order == [0, 1, 2] and chats.active_chats == 0
