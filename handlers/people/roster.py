"""/people (managers, admins): the roster's counts (on the roster, bound per channel, not yet
bound per department) and a button for the CSV of the unbound, sent as a file."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.core.types import Media, Reply
from bot.services.people import PeopleTap, RosterCounts

router = Router()
CHANNELS = ("telegram", "wecom", "web")
MAX_DEPARTMENTS = 20


def counts_text(ctx: Context, counts: RosterCounts) -> str:
    """The /people message."""
    lines = [ctx.t("people.title", roster=counts.roster, others=counts.others,
                   inactive=counts.inactive),
             ctx.t("people.bound_title", count=counts.bound_any)]
    channels = [c for c in CHANNELS if c in counts.bound]
    channels += sorted(set(counts.bound) - set(CHANNELS))
    for channel in channels:
        name = ctx.t(f"people.channel_{channel}") if channel in CHANNELS else channel
        lines.append(ctx.t("people.bound_line", channel=name, count=counts.bound[channel]))
    if not counts.unbound:
        lines.append(ctx.t("people.all_bound"))
        return "\n".join(lines)
    lines.append(ctx.t("people.unbound_title", count=counts.unbound_total))
    shown = list(counts.unbound.items())
    for department, count in shown[:MAX_DEPARTMENTS]:
        lines.append(ctx.t("people.unbound_line", count=count,
                           department=department or ctx.t("people.no_department")))
    if len(shown) > MAX_DEPARTMENTS:
        rest = sum(count for _, count in shown[MAX_DEPARTMENTS:])
        lines.append(ctx.t("people.unbound_more", departments=len(shown) - MAX_DEPARTMENTS,
                           count=rest))
    return "\n".join(lines)


# roles keep the command out of others' menus; RosterService enforces them
@router.command("people", roles=("manager",), in_flow=True, help_key="people.cmd", order=82)
async def people(ctx: Context) -> None:
    """`/people`: the roster's counts, with the CSV of the unbound a tap away."""
    counts = await ctx.services.roster.counts(ctx.person)
    buttons = ([[ctx.button(ctx.t("people.btn_csv"), PeopleTap("csv"))]]
               if counts.unbound else [])
    await ctx.reply(counts_text(ctx, counts), buttons)


@router.action(PeopleTap.prefix)
async def people_csv(ctx: Context) -> None:
    """The CSV of the people not yet bound, as a document in this chat."""
    data, count = await ctx.services.roster.unbound_csv(ctx.person)
    media = Media(kind="file", data=data, mime="text/csv", file_name="unbound.csv")
    await ctx.notifier.send(ctx.incoming.address,
                            Reply(text=ctx.t("people.csv_caption", count=count), media=media),
                            priority=1)
