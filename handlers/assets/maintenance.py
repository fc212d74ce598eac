"""Preventive maintenance in chat (managers): `/pm` lists the plans, `/pm add TARGET EVERY NAME`
adds one (TARGET: an asset code or an asset category; EVERY: 90d / 3m, or 500kWh / 1000 m³ on
the asset's meter), `/pm meter METER ASSET|-` links a meter to an asset, Stop ends a plan."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.errors import ServiceError
from bot.core.router import Router
from bot.services.assets import (
    EDIT_ROLES,
    MaintenanceService,
    MeterMaintenance,
    PlanTap,
    fmt,
    is_known_unit,
    parse_every,
)
from handlers.assets.views import asset_category
from models.maintenance import MaintenancePlan

router = Router()


def _every(ctx: Context, plan: MaintenancePlan) -> str:
    if plan.every_units:
        return ctx.t("maintenance.every_units", n=fmt(plan.every_units),
                     unit=plan.meter.unit if plan.meter else "")
    if plan.every_months:
        return ctx.t("maintenance.every_months", n=plan.every_months)
    return ctx.t("maintenance.every_days", n=plan.every_days)


def _target(ctx: Context, plan: MaintenancePlan) -> str:
    if plan.asset is not None:
        return ctx.t("maintenance.target_asset", asset=plan.asset.display(ctx.locale),
                     code=plan.asset.code)
    return ctx.t("maintenance.target_category",
                 category=asset_category(ctx, plan.asset_category or ""))


@router.command("pm", "maintenance", "baoyang", roles=EDIT_ROLES, help_key="help.cmd_pm",
                order=41)
async def pm_command(ctx: Context) -> None:
    """`/pm` lists the plans; `/pm add TARGET EVERY NAME…` adds one."""
    assert ctx.person is not None
    args = ctx.incoming.args
    service = MaintenanceService(ctx.services)
    if args and args[0].lower() in ("add", "新增", "添加"):
        if len(args) < 4:
            await ctx.say("maintenance.usage")
            return
        await _add(ctx, service, args[1:])
        return
    if args and args[0].lower() in ("meter", "电表", "水表", "表"):
        if len(args) != 3:
            await ctx.say("maintenance.usage")
            return
        meter = await MeterMaintenance(ctx.services).link_meter(ctx.person, args[1], args[2])
        if meter.asset is None:
            await ctx.say("maintenance.meter_unlinked", meter=meter.code)
        else:
            await ctx.say("maintenance.meter_linked", meter=meter.code, code=meter.asset.code,
                          asset=meter.asset.display(ctx.locale))
        return
    if args:
        await ctx.say("maintenance.usage")
        return
    plans = await service.plans(ctx.person)
    if not plans:
        await ctx.say("maintenance.none")
        return
    lines = [ctx.t("maintenance.list_title")]
    buttons = []
    by_meter = MeterMaintenance(ctx.services)
    for plan in plans[:20]:
        if plan.every_units:
            done = await by_meter.progress(plan)
            lines.append(ctx.t("maintenance.meter_plan_line", id=plan.id, name=plan.name,
                               target=_target(ctx, plan), every=_every(ctx, plan),
                               meter=plan.meter.code, used=fmt(done.used),
                               at=fmt(max(0.0, done.threshold)), unit=done.unit))
        else:
            lines.append(ctx.t("maintenance.plan_line", id=plan.id, name=plan.name,
                               target=_target(ctx, plan), every=_every(ctx, plan),
                               next=plan.next_due.isoformat(), lead=plan.lead_days))
        buttons.append([ctx.button(ctx.t("maintenance.btn_stop", id=plan.id),
                                   PlanTap("x", plan.id))])
    await ctx.reply("\n".join(lines), buttons)


async def _add(ctx: Context, service: MaintenanceService, args: list[str]) -> None:
    """`TARGET EVERY NAME…`: a calendar plan (90d, 3m) or a meter plan (500kWh, 1000 m³)."""
    assert ctx.person is not None
    if len(args) >= 4 and args[1].lower() in ("every", "每"):  # "/pm add P-1 every 1000 m³ …"
        args = [args[0], *args[2:]]
    target, every, name = args[0], args[1], args[2:]
    if every.startswith("每") and len(every) > 1:  # 每500度, 每3个月
        every = every[1:]
    try:
        parse_every(every)
    except ServiceError:
        if len(name) >= 2 and is_known_unit(name[0]):  # "1000 m³" written with a space
            every, name = every + name[0], name[1:]
        plan = await MeterMaintenance(ctx.services).create_plan(ctx.person, target, every,
                                                                " ".join(name))
        await ctx.say("maintenance.meter_created", id=plan.id, name=plan.name,
                      every=fmt(plan.every_units or 0), lead=fmt(plan.lead_units or 0),
                      unit=plan.meter.unit, meter=plan.meter.code)
        return
    plan = await service.create_plan(ctx.person, target, every, " ".join(name))
    await ctx.say("maintenance.created", id=plan.id, name=plan.name,
                  next=plan.next_due.isoformat(), lead=plan.lead_days)


@router.action(PlanTap.prefix)
async def pm_action(ctx: Context) -> None:
    """pm:x:<id> stops a plan."""
    assert ctx.person is not None
    tap = PlanTap.parse(ctx.action_args)
    if tap.verb != "x":
        await ctx.say("errors.unknown_button")
        return
    plan = await MaintenanceService(ctx.services).stop_plan(ctx.person, tap.plan_id)
    await ctx.say("maintenance.stopped", id=plan.id, name=plan.name)
