"""Preventive maintenance in chat (managers): `/pm` lists the plans, `/pm add TARGET EVERY NAME`
adds one (TARGET: an asset code or an asset category; EVERY: 90d / 3m), Stop ends one."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.services.assets import EDIT_ROLES
from bot.services.maintenance import MaintenanceService
from handlers.assets_render import asset_category
from models.maintenance import MaintenancePlan

router = Router()


def _every(ctx: Context, plan: MaintenancePlan) -> str:
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
        plan = await service.create_plan(ctx.person, args[1], args[2], " ".join(args[3:]))
        await ctx.say("maintenance.created", id=plan.id, name=plan.name,
                      next=plan.next_due.isoformat(), lead=plan.lead_days)
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
    for plan in plans[:20]:
        lines.append(ctx.t("maintenance.plan_line", id=plan.id, name=plan.name,
                           target=_target(ctx, plan), every=_every(ctx, plan),
                           next=plan.next_due.isoformat(), lead=plan.lead_days))
        buttons.append([ctx.act(ctx.t("maintenance.btn_stop", id=plan.id), "pm", "x", plan.id)])
    await ctx.reply("\n".join(lines), buttons)


@router.action("pm")
async def pm_action(ctx: Context) -> None:
    """pm:x:<id> stops a plan."""
    assert ctx.person is not None
    verb, plan_id = ([*ctx.action_args, "", ""])[:2]
    if verb != "x":
        await ctx.say("errors.unknown_button")
        return
    plan = await MaintenanceService(ctx.services).stop_plan(ctx.person, plan_id)
    await ctx.say("maintenance.stopped", id=plan.id, name=plan.name)
