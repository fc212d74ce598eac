"""Following one's tickets: /my, a ticket's detail and history, notes, cancellation."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.delivery.notifier import PRIORITY_REPLY
from bot.services.repairs import MediaCounts, TicketTap, album_replies
from handlers.media_intake import draft_media_ids, take_sent_media
from handlers.render import category_label, local_time, media_lines, status_label, urgency_label
from handlers.repairs.report_draft import take_photos
from models.repairs import OPEN_STATUSES

router = Router()
NOTE_FLOW = "note"


@router.command("my", "mine", in_flow=True, help_key="help.cmd_my", order=11)
async def my_tickets(ctx: Context) -> None:
    """List the person's own and followed tickets with their status."""
    assert ctx.person is not None
    tickets = await ctx.services.repairs.for_person(ctx.person)
    if not tickets:
        await ctx.say("tickets.none")
        return
    lines = [ctx.t("tickets.my_title")]
    buttons = []
    for ticket in tickets:
        lines.append(
            ctx.t(
                "tickets.line",
                number=ticket.number,
                status=status_label(ctx, ticket.status),
                place=ticket.place.display(ctx.locale),
                category=category_label(ctx, ticket.category),
            )
        )
        buttons.append([ctx.button(ticket.number, TicketTap("v", ticket.number))])
    await ctx.reply("\n".join(lines), buttons)
    await ctx.reprompt()


@router.action(TicketTap.prefix)
async def ticket_action(ctx: Context) -> None:
    """Ticket buttons: v=view, n=add note, c=ask to cancel, cy=cancel confirmed."""
    assert ctx.person is not None
    tap = TicketTap.parse(ctx.action_args)
    verb, number = tap.verb, tap.number
    if verb == "v":
        await show_ticket(ctx, number)
    elif verb == "n":
        detail = await ctx.services.repairs.detail(number, ctx.person)
        if not detail.is_reporter or detail.ticket.status not in OPEN_STATUSES:
            await ctx.say("tickets.not_open", number=number)
            return
        if ctx.conv.active:
            await ctx.say("errors.finish_first")
            await ctx.reprompt()
            return
        await ctx.begin(NOTE_FLOW, "text", number=number, photos=[])
        await ask_note(ctx)
    elif verb == "p":
        await _show_media(ctx, number)
    elif verb == "c":
        buttons = [
            [
                ctx.button(ctx.t("tickets.btn_cancel_yes"), TicketTap("cy", number)),
                ctx.button(ctx.t("tickets.btn_keep"), TicketTap("v", number)),
            ]
        ]
        await ctx.reply(ctx.t("tickets.cancel_confirm", number=number), buttons, edit=True)
    elif verb == "cy":
        ticket = await ctx.services.repairs.cancel(number, ctx.person)
        await ctx.reply(ctx.t("tickets.cancelled", number=ticket.number), edit=True)
        await ctx.services.dispatch.on_ticket_cancelled(ticket)
        for watcher in await ctx.services.repairs.watchers(ticket):
            if watcher.id != ctx.person.id:
                await ctx.notifier.push(watcher, "tickets.withdrawn_by_reporter", number=number)
    else:
        await ctx.say("errors.unknown_button")


async def show_ticket(ctx: Context, number: str) -> None:
    """A ticket's detail: status, place, description, photo count, history, actions."""
    assert ctx.person is not None
    detail = await ctx.services.repairs.detail(number, ctx.person)
    ticket = detail.ticket
    history = [
        ctx.t(
            "tickets.history_line",
            when=local_time(ctx, e.created_at),
            what=ctx.t(f"event.{e.kind}", status=status_label(ctx, e.to_status or "")),
            note=f" — {e.note}" if e.note else "",
        )
        for e in detail.events
    ]
    text = ctx.t(
        "tickets.detail",
        number=ticket.number,
        status=status_label(ctx, ticket.status),
        place=detail.place.display(ctx.locale),
        category=category_label(ctx, ticket.category),
        urgency=urgency_label(ctx, ticket.urgency),
        description=ticket.description,
        photos=detail.photo_count,
        followers=detail.follower_count,
        history="\n".join(history),
    )
    text += media_lines(ctx, detail.media)
    worker = await ctx.services.dispatch.assignee(ticket)
    if worker is not None:
        text += "\n" + ctx.t("dispatch.detail_worker", name=worker.name)
    buttons = []
    shown = _media_total(detail.media)
    if shown:
        buttons.append([ctx.button(ctx.t("tickets.btn_media", count=shown),
                                   TicketTap("p", ticket.number))])
    if detail.is_reporter and ticket.status in OPEN_STATUSES:
        buttons.append(
            [
                ctx.button(ctx.t("tickets.btn_note"), TicketTap("n", ticket.number)),
                ctx.button(ctx.t("tickets.btn_cancel"), TicketTap("c", ticket.number)),
            ]
        )
    await ctx.reply(text, buttons, edit=bool(ctx.incoming.callback))


def _media_total(counts: MediaCounts) -> int:
    return (counts.photos + counts.videos + counts.voices + counts.result_photos
            + counts.result_videos + counts.result_voices)


async def _show_media(ctx: Context, number: str) -> None:
    """Send the ticket's photos and videos as albums (the reporter's, then the result's) and
    its voice notes, captioned "R-… (i–j/n)"."""
    assert ctx.person is not None
    files = await ctx.services.repairs.media(number, ctx.person)
    if not files:
        await ctx.say("tickets.no_media", number=number)
        return
    reported = [a for a in files if not a.kind.startswith("result")]
    result = [a for a in files if a.kind.startswith("result")]
    for key, group in (("tickets.media", reported), ("tickets.media_result", result)):
        if group:
            def label(numbers: str, key: str = key) -> str:
                return ctx.t(key, number=number, numbers=numbers)

            for reply in album_replies(group, label):
                await ctx.notifier.send(ctx.incoming.address, reply, priority=PRIORITY_REPLY)


@router.prompt(NOTE_FLOW, "text")
async def ask_note(ctx: Context) -> None:
    """Ask for the note text and/or photos."""
    buttons = [
        [
            ctx.choose(ctx.t("tickets.btn_note_send"), "send"),
            ctx.cancel_button(),
        ]
    ]
    await ctx.say("tickets.ask_note", buttons, number=ctx.conv.data["number"])


@router.step(NOTE_FLOW, "text")
async def got_note(ctx: Context) -> None:
    """Collect photos, videos and voice notes; text (or Send) files the note on the ticket."""
    assert ctx.person is not None
    inc = ctx.incoming
    if await ctx.cancelled():
        return
    if inc.photos or inc.videos or inc.voices:
        if inc.photos:
            await take_photos(ctx, inc.photos)
            if not inc.text:
                await ctx.say("report.photo_added", count=len(ctx.conv.data.get("photos", [])))
        await take_sent_media(ctx)
        if not inc.text:
            return
    elif inc.documents:
        await ctx.say("errors.not_a_photo")
        return
    text = (inc.text or "").strip()
    files = draft_media_ids(ctx.conv.data)
    if not text and not files:
        await ctx.say("tickets.note_empty")
        await ask_note(ctx)
        return
    number = ctx.conv.data["number"]
    await ctx.services.repairs.add_note(number, ctx.person, text, files)
    await ctx.finish()
    await ctx.say("tickets.note_added", number=number)
