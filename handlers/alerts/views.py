"""Rendering alerts for managers: audience labels, the live status card."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.errors import ServiceError
from bot.core.types import Button
from bot.services.alerts import ZONE_PREFIX, AlertTap, Audience, title
from handlers.render import local_time
from models.alerts import Alert


def view_button(ctx: Context, alert_id: int) -> Button:
    """A button opening the alert's status card."""
    return ctx.button(ctx.t("alerts.btn_view"), AlertTap("v", alert_id))


async def audience_label(ctx: Context, audience: Audience) -> str:
    """The audience in words ("Building 3", "all managers", "residents of Building 5")."""
    kind, value = audience.kind, audience.value
    if kind == "role":
        return ctx.t("alerts.aud_role", role=ctx.t(f"role.{value}"))
    if kind == "people":
        return ctx.t("alerts.aud_people", count=len([v for v in value.split(",") if v]))
    if kind in ("place", "dorm"):
        if value.startswith(ZONE_PREFIX):
            zone = value[len(ZONE_PREFIX) :]
            return ctx.t("alerts.aud_zone",
                         zone=await ctx.services.places.zone_label(zone, ctx.locale))
        try:
            place = (await ctx.services.places.get(value)).display(ctx.locale)
        except ServiceError:
            place = value
        return ctx.t("alerts.aud_dorm" if kind == "dorm" else "alerts.aud_place", place=place)
    return ctx.t("alerts.aud_everyone")


async def _sender(ctx: Context, alert: Alert) -> str:
    if alert.created_by_id:
        try:
            return (await ctx.services.people.get(alert.created_by_id)).name
        except ServiceError:
            pass
    return ctx.t("alerts.system_sender", source=alert.source)


def _follow_up_line(ctx: Context, alert: Alert) -> str:
    total = ctx.services.alerts.repush_max
    if alert.status == "closed":
        text = alert.all_clear or ctx.t("alerts.all_clear_default")
        when = local_time(ctx, alert.closed_at) if alert.closed_at else ""
        return ctx.t("alerts.closed_line", when=when, text=text)
    if alert.escalated_at:
        return ctx.t("alerts.escalated", when=local_time(ctx, alert.escalated_at))
    if alert.next_repush_at is None and alert.fanout_done:
        return ctx.t("alerts.all_answered")
    when = local_time(ctx, alert.next_repush_at) if alert.next_repush_at else "-"
    if alert.repush_round:
        return ctx.t("alerts.next_repush", round=alert.repush_round, total=total, when=when)
    return ctx.t("alerts.repush_pending", when=when, total=total)


async def status_card(ctx: Context, alert: Alert) -> tuple[str, list[list[Button]]]:
    """The live status of an alert with its manager buttons."""
    counts = await ctx.services.alerts.counts(alert)
    text = ctx.t(
        "alerts.detail",
        number=alert.id,
        title=title(ctx.translator, ctx.locale, alert.template),
        status=ctx.t(f"alerts.status_{alert.status}"),
        when=local_time(ctx, alert.created_at),
        sender=await _sender(ctx, alert),
        audience=await audience_label(ctx, Audience(alert.audience_kind, alert.audience_value)),
        recipients=counts.recipients,
        sent=counts.sent,
        delivered=counts.delivered,
        acknowledged=counts.acknowledged,
        safe=counts.safe,
        help=counts.help,
        pending=counts.pending,
        followup=_follow_up_line(ctx, alert),
    )
    first = [
        ctx.button(ctx.t("alerts.btn_refresh"), AlertTap("v", alert.id)),
        ctx.button(ctx.t("alerts.btn_pending"), AlertTap("nl", alert.id)),
    ]
    buttons = [first]
    if alert.status == "open":
        buttons.append([ctx.button(ctx.t("alerts.btn_all_clear"), AlertTap("ac", alert.id))])
    return text, buttons
