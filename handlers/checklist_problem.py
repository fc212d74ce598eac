"""The "problem" step an item-by-item flow shares (an inspection round, a dorm checklist):
photos, short videos, voice notes and/or a few words about the item, then Done.

Each flow keeps its own wording, its own side button (Pause, Cancel) and what recording the
answer means; this module owns only the steps that are the same.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.core.context import Context
from bot.core.types import Button
from handlers.media_intake import ItemMedia, carries_media, files_summary

NOTE_LIMIT = 500


@dataclass(frozen=True)
class ProblemTexts:
    """The catalogue keys one flow uses for its problem step."""

    btn_done: str
    btn_no_photo: str
    files_saved: str
    ask_photo: str
    ask_problem: str
    need_something: str
    ask_photo_required: str = ""  # only for flows with items that require a photo or video


@dataclass(frozen=True)
class ItemProblem:
    """The problem step of one flow: where the item's files go and what the flow says."""

    media: ItemMedia
    texts: ProblemTexts

    async def open(self, ctx: Context, text: str) -> None:
        """Go to the problem step, keeping the words and files this message brought."""
        await ctx.goto("problem", cur={"note": text[:NOTE_LIMIT]})
        await self.media.take_all(ctx)
        await ctx.reprompt()

    def has_proof(self, ctx: Context, photo_required: bool = False) -> bool:
        """Whether the item holds a file (a photo or a video when the item requires one)."""
        photos, videos, voices = self.media.counts(ctx.conv.data)
        if photo_required:
            return bool(photos or videos)
        return bool(photos or videos or voices)

    async def ask(self, ctx: Context, label: str, side: Button,
                  photo_required: bool = False) -> None:
        """Ask for files and/or words about the item named `label`; Done once there is enough."""
        texts, cur = self.texts, ctx.conv.data.get("cur") or {}
        counts = self.media.counts(ctx.conv.data)
        if self.has_proof(ctx, photo_required):
            buttons = [[ctx.choose(ctx.t(texts.btn_done, count=sum(counts)), "done"), side]]
            await ctx.say(texts.files_saved, buttons, files=files_summary(ctx, *counts),
                          item=label)
        elif photo_required:
            await ctx.say(texts.ask_photo_required, [[side]], item=label)
        elif cur.get("note"):
            buttons = [[ctx.choose(ctx.t(texts.btn_no_photo), "done"), side]]
            await ctx.say(texts.ask_photo, buttons, item=label)
        else:
            await ctx.say(texts.ask_problem, [[side]], item=label)

    async def answer(self, ctx: Context, ask: Callable[[Context], Awaitable[None]],
                     record: Callable[[], Awaitable[None]],
                     photo_required: bool = False) -> None:
        """Take files (a caption counts as the note) or words; record the problem on words
        after a file or on Done, otherwise ask again."""
        inc = ctx.incoming
        cur = dict(ctx.conv.data.get("cur") or {})
        text = (inc.text or "").strip()
        if carries_media(ctx):
            if text:
                await ctx.update(cur={**cur, "note": text[:NOTE_LIMIT]})
            await self.media.take_all(ctx)
            await ask(ctx)
        elif inc.documents:
            await ctx.say("errors.not_a_photo")
            await ask(ctx)
        elif text:
            await ctx.update(cur={**cur, "note": text[:NOTE_LIMIT]})
            if self.has_proof(ctx, photo_required):
                await record()
            else:
                await ask(ctx)
        elif ctx.choice == "done" and (cur.get("note") or sum(self.media.counts(ctx.conv.data))):
            await record()
        else:
            await ctx.say(self.texts.need_something)
            await ask(ctx)


def note_or_files(ctx: Context, note: str, photos: int, videos: int, voices: int) -> str:
    """The problem's words, or "see the N photo(s)…" when it has only files."""
    return note or ctx.t("media.see_files", files=files_summary(ctx, photos, videos, voices))
