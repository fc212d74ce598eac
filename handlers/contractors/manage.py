"""/contractors (managers): the service units with last month's results; `add`, `criteria`,
`scorer`, `remove` and `results [month]` — fields separated by “|”."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.context import Context
from bot.core.router import Router
from bot.services.contractors import results_text

if TYPE_CHECKING:
    from models.contractors import ServiceUnit

router = Router()
MANAGERS = ("manager",)


def _fields(rest: str, low: int, high: int) -> list[str] | None:
    """The “|”-separated (or full-width “｜”) fields of `rest`, if there are low…high."""
    parts = [p.strip() for p in rest.replace("｜", "|").split("|")]
    return parts if low <= len(parts) <= high and parts[0] else None


def _joined(ctx: Context, items: list[str]) -> str:
    """Names as a list in the reader's language (、 or , )."""
    return ctx.t("contractors.sep").join(items)


def _unit_line(ctx: Context, unit: ServiceUnit) -> str:
    return ctx.t("contractors.list_line", name=unit.name, scope=unit.scope or "-",
                 contacts=unit.contacts or "-", departments=_joined(ctx, unit.departments),
                 criteria=_joined(ctx, unit.criteria))


@router.command("contractors", "fuwu", roles=MANAGERS, in_flow=True,
                help_key="contractors.cmd_contractors", order=73)
async def contractors_command(ctx: Context) -> None:
    """List, define and read the results of the service units."""
    text = (ctx.incoming.text or "").strip()
    _, _, after = text.partition(" ")
    verb, _, rest = after.strip().partition(" ")
    handler = VERBS.get(verb.lower())
    if handler is None and verb:
        await ctx.say("contractors.usage")
        return
    await (handler or _overview)(ctx, rest.strip())


async def _overview(ctx: Context, _rest: str) -> None:
    service = ctx.services.contractors
    units = await service.units(ctx.person)
    scorers = await service.scorers(ctx.person)
    lines = [ctx.t("contractors.list_title", target=f"{service.target:g}")]
    lines += [_unit_line(ctx, unit) for unit in units] or [ctx.t("contractors.list_none")]
    departments = sorted({d for unit in units for d in unit.departments})
    for department in departments:
        scorer = scorers.get(department)
        lines.append(ctx.t("contractors.scorer_line", department=department, name=scorer.name)
                     if scorer else ctx.t("contractors.scorer_missing", department=department))
    month = ctx.services.scorecards.month(None)
    lines += ["", results_text(await service.results(ctx.person, month), month, ctx.translator,
                               ctx.locale), "", ctx.t("contractors.usage")]
    await ctx.reply("\n".join(lines))


async def _add(ctx: Context, rest: str) -> None:
    fields = _fields(rest, 4, 5)
    if fields is None:
        await ctx.say("contractors.bad_fields")
        await ctx.say("contractors.usage")
        return
    criteria = fields[4] if len(fields) == 5 else ctx.t("contractors.default_criteria")
    unit = await ctx.services.contractors.add_unit(ctx.person, fields[0], fields[1], fields[2],
                                                   fields[3], criteria)
    await ctx.say("contractors.unit_saved", name=unit.name,
                  departments=_joined(ctx, unit.departments), criteria=_joined(ctx, unit.criteria))


async def _criteria(ctx: Context, rest: str) -> None:
    fields = _fields(rest, 2, 2)
    if fields is None:
        await ctx.say("contractors.bad_fields")
        return
    unit = await ctx.services.contractors.set_criteria(ctx.person, fields[0], fields[1])
    await ctx.say("contractors.unit_saved", name=unit.name,
                  departments=_joined(ctx, unit.departments), criteria=_joined(ctx, unit.criteria))


async def _scorer(ctx: Context, rest: str) -> None:
    fields = _fields(rest, 2, 2)
    if fields is None:
        await ctx.say("contractors.bad_fields")
        return
    person = await ctx.services.contractors.set_scorer(ctx.person, fields[0], fields[1])
    await ctx.say("contractors.scorer_saved", name=person.name, department=person.department)


async def _remove(ctx: Context, rest: str) -> None:
    unit = await ctx.services.contractors.remove_unit(ctx.person, rest)
    await ctx.say("contractors.unit_removed", name=unit.name)


async def _results(ctx: Context, rest: str) -> None:
    month = ctx.services.scorecards.month(rest or None)
    results = await ctx.services.contractors.results(ctx.person, month)
    await ctx.reply(results_text(results, month, ctx.translator, ctx.locale))


VERBS = {"add": _add, "criteria": _criteria, "scorer": _scorer, "remove": _remove,
         "results": _results}
