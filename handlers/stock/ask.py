"""Asking what is in store: /stock, stock questions in free text ("还有多少灯管", "how many
LED tubes"), paging, /lowstock, and the low-stock alert's snooze button."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.payloads import PayloadError
from bot.core.router import Router
from bot.services.stock import SnoozeTap, StockPage, digest_line, stock_question
from handlers.stock.views import item_block, local_dt, stock_errors

router = Router()
LOW_LIST_LIMIT = 40


def _fits(page: StockPage) -> bool:
    """True when the paging button fits a button's payload (a long query may not)."""
    try:
        page.pack()
    except PayloadError:
        return False
    return True


async def show_page(ctx: Context, query: str, page: int, edit: bool = False) -> None:
    """One page of matching items with their stock per store, and paging buttons."""
    result = await ctx.services.stock.catalog.search(ctx.person, query, page)
    if not result.items:
        await ctx.say("stock.none_found", query=query[:40])
        return
    if result.query:
        title = ctx.t("stock.results_title", query=result.query, count=result.total)
    else:
        title = ctx.t("stock.all_title", count=result.total)
    blocks = [title, *(item_block(ctx, entry, result.quantities) for entry in result.items)]
    if not result.quantities:
        blocks.append(ctx.t("stock.quantities_hidden"))
    nav = []
    if result.pages > 1:
        pages = {p: StockPage(p, result.query) for p in (result.page - 1, result.page + 1)}
        if all(_fits(page) for page in pages.values()):
            if result.page > 1:
                nav.append(ctx.button(ctx.t("stock.btn_prev"), pages[result.page - 1]))
            if result.page < result.pages:
                nav.append(ctx.button(ctx.t("stock.btn_next"), pages[result.page + 1]))
            blocks.append(ctx.t("stock.page", page=result.page, pages=result.pages))
        else:
            blocks.append(ctx.t("stock.narrow_down", shown=len(result.items), count=result.total))
    await ctx.reply("\n\n".join(blocks), [nav] if nav else [], edit=edit)


@router.command("stock", "kucun", in_flow=True, help_key="stock.cmd_stock", order=30)
@stock_errors
async def stock_command(ctx: Context) -> None:
    """`/stock 灯管`: matching items and their stock; `/stock` alone lists everything."""
    await show_page(ctx, " ".join(ctx.incoming.args), 1)
    await ctx.reprompt()


@router.action("stq")
@stock_errors
async def page_button(ctx: Context) -> None:
    """The paging buttons of a stock answer (StockPage)."""
    tap = StockPage.parse(ctx.action_args)
    if tap.page < 0:
        await ctx.say("errors.unknown_button")
        return
    await show_page(ctx, tap.query, tap.page, edit=True)


async def is_stock_question(ctx: Context) -> bool:
    """True for a question about stock that names a known item."""
    words = stock_question(ctx.incoming.text or "")
    return bool(words) and await ctx.services.stock.catalog.recognises(words or "")


@router.on_text_if(is_stock_question, priority=20)
@stock_errors
async def stock_question_text(ctx: Context) -> None:
    """A stock question such as "还有多少灯管" / "how many LED tubes", answered like /stock."""
    await show_page(ctx, stock_question(ctx.incoming.text or "") or "", 1)


@router.command("lowstock", "queliao", roles=("storekeeper", "manager"), in_flow=True,
                help_key="stock.cmd_lowstock", order=35)
@stock_errors
async def low_stock(ctx: Context) -> None:
    """Everything below its minimum (on available stock), with the suggested reorder."""
    assert ctx.person is not None
    lows = await ctx.services.stock.alerts.below_minimum_for(ctx.person)
    if not lows:
        await ctx.say("stock.low_none")
        await ctx.reprompt()
        return
    alerts = ctx.services.stock.alerts
    lines = [ctx.t("stock.low_title", count=len(lows))]
    lines += [digest_line(ctx.translator, ctx.locale, low, alerts.tz)
              for low in lows[:LOW_LIST_LIMIT]]
    if len(lows) > LOW_LIST_LIMIT:
        lines.append(ctx.t("stock.more", count=len(lows) - LOW_LIST_LIMIT))
    await ctx.reply("\n".join(lines))
    await ctx.reprompt()


@router.action("stz")
@stock_errors
async def snooze(ctx: Context) -> None:
    """The alert's "snooze 7 days" button (SnoozeTap)."""
    assert ctx.person is not None
    tap = SnoozeTap.parse(ctx.action_args)
    if tap.level_id < 0:
        await ctx.say("errors.unknown_button")
        return
    level, until = await ctx.services.stock.alerts.snooze(tap.level_id, ctx.person)
    await ctx.reply(
        ctx.t("stock.snoozed", item=level.item.display(ctx.locale),
              store=level.warehouse.display(ctx.locale),
              until=local_dt(ctx.services.settings.timezone, until)),
        edit=True,
    )
