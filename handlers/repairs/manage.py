"""Staff views and manager tools: /open with filters (status, zone, overdue), a manager's ticket
card (reassign, urgency, close as duplicate/invalid), /workers (duty, load, zone leads)."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.services.assets import AssetLinkTap
from bot.services.repairs import (
    CLOSE_KINDS,
    ManageTap,
    OpenFilter,
    OpenTap,
    OpenTicket,
    TicketTap,
    fits,
)
from handlers.render import category_label, local_time, status_label, urgency_label, zone_label
from models.repairs import OPEN_STATUSES, URGENCIES

router = Router()
CLOSE_FLOW = "mgclose"
OVERDUE_WORDS = {"overdue", "late", "超时", "逾期"}
ALL_WORDS = {"all", "全部"}


async def _parse(ctx: Context, args: list[str]) -> OpenFilter | None:
    wanted = OpenFilter()
    zones = {z.lower(): z for z in await ctx.services.manage.zones()}
    labels = {status_label(ctx, s).lower(): s for s in OPEN_STATUSES}
    if len(args) > 1 and (code := await ctx.services.places.zone_code(" ".join(args))):
        wanted.zone = code  # a zone name of several words ("North campus")
        return wanted
    for raw in args:
        word = raw.strip().lower().removeprefix("zone:").removeprefix("status:")
        if word in OVERDUE_WORDS:
            wanted.overdue = True
        elif word in OPEN_STATUSES or word in labels:
            wanted.status = labels.get(word, word)
        elif word in zones:
            wanted.zone = zones[word]
        elif code := await ctx.services.places.zone_code(word):
            wanted.zone = code
        elif word not in ALL_WORDS:
            await ctx.say("manage.bad_filter", value=raw[:30],
                          status=status_label(ctx, "submitted"),
                          zone=await zone_label(ctx, next(iter(zones.values()), None))
                          if zones else ctx.t("manage.zone_example"))
            return None
    return wanted


def worker_label(ctx: Context, item: OpenTicket) -> str:
    """Who has the ticket: the accepted worker, those it is offered to (waiting), or nobody."""
    if item.worker:
        return item.worker.name
    if item.offered_to:
        return ctx.t("manage.offered_to", names="、".join(item.offered_to))
    return ctx.t("manage.no_worker")


def _line(ctx: Context, item: OpenTicket) -> str:
    ticket = item.ticket
    return ctx.t(
        "manage.open_line",
        mark="⚠️ " if item.overdue else "",
        number=ticket.number,
        status=status_label(ctx, ticket.status),
        place=item.place.display(ctx.locale),
        category=category_label(ctx, ticket.category),
        worker=worker_label(ctx, item),
        due=local_time(ctx, item.due) if item.due else "-",
    )


@router.command("open", roles=("worker", "manager", "dorm_admin"), in_flow=True,
                help_key="help.cmd_open", order=20)
async def open_tickets(ctx: Context) -> None:
    """`/open [overdue] [status] [zone]`: open tickets, oldest first."""
    wanted = await _parse(ctx, ctx.incoming.args)
    if wanted is not None:
        await show_open(ctx, wanted, edit=False)
    await ctx.reprompt()


async def show_open(ctx: Context, wanted: OpenFilter, edit: bool = True) -> None:
    """The filtered list with a button per ticket and filter buttons."""
    assert ctx.person is not None
    items = await ctx.services.manage.open_tickets(ctx.person, wanted)
    is_manager = ctx.person.has_role("manager")
    filters = [ctx.button(ctx.t("manage.btn_overdue"), OpenTap("o")),
               ctx.button(status_label(ctx, "submitted"), OpenTap("s", "submitted")),
               ctx.button(ctx.t("manage.btn_all"), OpenTap("a"))]
    zones = [ctx.button(await zone_label(ctx, z), OpenTap("z", z))
             for z in await ctx.services.manage.zones() if fits(OpenTap("z", z))][:4]
    filter_rows = [filters, zones] if zones else [filters]
    if not items:
        await ctx.reply(ctx.t("manage.no_open"), filter_rows, edit=edit)
        return
    title = ctx.t("manage.open_title", count=len(items))
    lines = [title, *(_line(ctx, item) for item in items)]
    buttons = [
        [ctx.button(item.ticket.number, ManageTap("v", item.ticket.id)) if is_manager
         else ctx.button(item.ticket.number, TicketTap("v", item.ticket.number))]
        for item in items[:10]
    ]
    await ctx.reply("\n".join(lines), [*buttons, *filter_rows], edit=edit)


@router.action(OpenTap.prefix)
async def open_filter(ctx: Context) -> None:
    """Filter buttons of /open: o overdue, s:<status>, z:<zone>, a all."""
    tap = OpenTap.parse(ctx.action_args)
    verb, value = tap.verb, tap.value
    wanted = {"o": OpenFilter(overdue=True), "s": OpenFilter(status=value or None),
              "z": OpenFilter(zone=value or None), "a": OpenFilter()}.get(verb)
    if wanted is None:
        await ctx.say("errors.unknown_button")
        return
    await show_open(ctx, wanted)


async def show_card(ctx: Context, ticket_id: int, edit: bool = True) -> None:
    """The manager's ticket card with its tools."""
    assert ctx.person is not None
    item = await ctx.services.manage.ticket(ctx.person, ticket_id)
    ticket = item.ticket
    text = ctx.t(
        "manage.card", number=ticket.number, status=status_label(ctx, ticket.status),
        place=item.place.display(ctx.locale), zone=await zone_label(ctx, item.zone),
        category=category_label(ctx, ticket.category), urgency=urgency_label(ctx, ticket.urgency),
        description=ticket.description,
        worker=worker_label(ctx, item),
        due=local_time(ctx, item.due) if item.due else "-",
        overdue=ctx.t("dispatch.card_overdue") if item.overdue else "",
    )
    tid = ticket.id
    buttons = [[ctx.button(ctx.t("tickets.btn_view"), TicketTap("v", ticket.number))]]
    if ticket.status in OPEN_STATUSES:
        buttons = [
            [ctx.button(ctx.t("manage.btn_reassign"), ManageTap("ra", tid)),
             ctx.button(ctx.t("manage.btn_urgency"), ManageTap("u", tid))],
            [ctx.button(ctx.t("manage.btn_duplicate"), ManageTap("cd", tid)),
             ctx.button(ctx.t("manage.btn_invalid"), ManageTap("ci", tid))],
            *buttons,
        ]
        if await ctx.services.assets.at_place(item.place.id):
            buttons.append([ctx.button(ctx.t("assets.btn_link"), AssetLinkTap("p", tid))])
    await ctx.reply(text, buttons, edit=edit and bool(ctx.incoming.callback))


@router.action(ManageTap.prefix)
async def manage_action(ctx: Context) -> None:
    """Manager buttons: v card, ra reassign list, rw reassign to, u urgency list, us set urgency,
    cd/ci close as duplicate/invalid, zl toggle zone lead."""
    assert ctx.person is not None
    tap = ManageTap.parse(ctx.action_args)
    verb, first, second = tap.verb, tap.target, tap.value
    manage = ctx.services.manage
    if verb == "v":
        await show_card(ctx, first, edit=False)
    elif verb == "ra":
        choices = await manage.reassign_choices(ctx.person, first)
        if not choices:
            await ctx.say("manage.no_workers")
            return
        buttons = [[ctx.button(ctx.t(
            "manage.worker_choice", name=w.person.name, load=w.load,
            duty=ctx.t("manage.on_duty" if w.on_duty else "manage.off_duty"),
        ), ManageTap("rw", first, str(w.person.id)))] for w in choices[:8]]
        await ctx.reply(ctx.t("manage.reassign_to"), buttons, edit=True)
    elif verb == "rw":
        worker = await manage.reassign(ctx.person, first, second)
        await ctx.reply(ctx.t("manage.reassigned", name=worker.name), edit=True)
    elif verb == "u":
        buttons = [[ctx.button(urgency_label(ctx, u), ManageTap("us", first, u))
                    for u in URGENCIES]]
        await ctx.reply(ctx.t("manage.urgency_pick"), buttons, edit=True)
    elif verb == "us":
        ticket = await manage.change_urgency(ctx.person, first, second)
        await ctx.reply(ctx.t("manage.urgency_set", number=ticket.number,
                              urgency=urgency_label(ctx, ticket.urgency)), edit=True)
    elif verb in ("cd", "ci"):
        await _start_close(ctx, first, CLOSE_KINDS[0] if verb == "cd" else CLOSE_KINDS[1])
    elif verb == "zl":
        info = await ctx.services.duty.toggle_zone_lead(ctx.person, first)
        key = "manage.lead_on" if info.zone_lead else "manage.lead_off"
        await ctx.say(key, name=info.person.name, zone=await zone_label(ctx, info.person.zone))
    else:
        await ctx.say("errors.unknown_button")


async def _start_close(ctx: Context, ticket_id: int, kind: str) -> None:
    assert ctx.person is not None
    item = await ctx.services.manage.ticket(ctx.person, ticket_id)
    if item.ticket.status not in OPEN_STATUSES:
        await ctx.say("tickets.not_open", number=item.ticket.number)
        return
    if ctx.conv.active:
        await ctx.say("errors.finish_first")
        await ctx.reprompt()
        return
    await ctx.begin(CLOSE_FLOW, "reason", ticket_id=item.ticket.id, kind=kind,
                    number=item.ticket.number)
    await ask_close_reason(ctx)


@router.prompt(CLOSE_FLOW, "reason")
async def ask_close_reason(ctx: Context) -> None:
    """Ask the reason (for a duplicate, the original's number) the reporter will read."""
    data = ctx.conv.data
    cancel = [[ctx.cancel_button()]]
    await ctx.say(f"manage.close_ask_{data['kind']}", cancel, number=data["number"])


@router.step(CLOSE_FLOW, "reason")
async def got_close_reason(ctx: Context) -> None:
    """Close the ticket with the reason."""
    assert ctx.person is not None
    if await ctx.cancelled():
        return
    text = (ctx.incoming.text or "").strip()
    if not text:
        await ctx.say("dispatch.need_reason")
        await ask_close_reason(ctx)
        return
    data = ctx.conv.data
    original = await ctx.services.manage.close(ctx.person, data["ticket_id"],
                                               data["kind"], text)
    await ctx.finish()
    await ctx.say(f"manage.closed_{data['kind']}", number=data["number"],
                  original=original.number if original else "-")


@router.command("workers", roles=("manager",), in_flow=True, help_key="manage.cmd_workers",
                order=23)
async def workers(ctx: Context) -> None:
    """Workers with duty state, zone, skills and load; buttons toggle zone leads."""
    assert ctx.person is not None
    infos = await ctx.services.duty.overview(ctx.person)
    if not infos:
        await ctx.say("manage.no_workers")
        return
    lines = [ctx.t("manage.workers_title", count=len(infos))]
    for w in infos:
        lines.append(ctx.t(
            "manage.worker_line", name=w.person.name, zone=await zone_label(ctx, w.person.zone),
            duty=ctx.t("manage.on_duty" if w.on_duty else "manage.off_duty"), load=w.load,
            skills="、".join(category_label(ctx, s) for s in w.person.skills or []) or "-",
            lead=ctx.t("manage.lead_mark") if w.zone_lead else "",
        ))
    buttons = [[ctx.button(ctx.t("manage.btn_lead", name=w.person.name),
                           ManageTap("zl", w.person.id))] for w in infos[:10] if w.person.zone]
    await ctx.reply("\n".join(lines), buttons)
    await ctx.reprompt()
