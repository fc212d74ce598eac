"""Commands that work everywhere: /start (binding), /help, /cancel, /lang."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.i18n import SUPPORTED
from bot.core.qr_links import is_scan_param
from bot.core.router import Router
from bot.services.people import LanguageTap
from handlers.assets.qr_start import start_from_scan
from handlers.people.menu import help_text
from handlers.people.onboard import FLOW as ONBOARDING
from handlers.people.onboard import carry_on, kept_message, register

router = Router()
router.public_flows.add("lang")


@router.command("start", public=True, in_flow=True)
async def start(ctx: Context) -> None:
    """Bind with an invite code (`/start CODE`), or greet."""
    inc = ctx.incoming
    if is_scan_param(inc.args):  # a QR code's deep link, not an invite code
        if ctx.person is None:
            await register(ctx)
            return
        await start_from_scan(ctx, inc.args[0])
        return
    if inc.args:
        person = await ctx.services.people.redeem_invite(
            inc.args[0], inc.platform, inc.user_id, inc.chat_id
        )
        ctx.person = person
        ctx.locale = person.locale or ctx.locale
        roles = ", ".join(ctx.t(f"role.{r}") for r in person.roles)
        await ctx.say("start.bound", name=person.name, roles=roles)
        if ctx.conv.flow == ONBOARDING:  # a newcomer half way through: go on with it
            await carry_on(ctx, kept_message(ctx))
            return
        await help_text(ctx)
        return
    if ctx.person is None:
        await register(ctx)
        return
    await ctx.say("start.welcome_back", name=ctx.person.name)
    await help_text(ctx)


@router.command("help", public=True, in_flow=True, help_key="help.cmd_help", order=90)
async def help_command(ctx: Context) -> None:
    """Show help, then re-ask the current step if a flow is under way."""
    await help_text(ctx)
    if ctx.conv.active:
        await ctx.say("help.in_flow")
        await ctx.reprompt()


@router.command("cancel", public=True, in_flow=True, help_key="help.cmd_cancel", order=91)
async def cancel(ctx: Context) -> None:
    """Abandon the current flow, saying what that means for it (its own cancel text)."""
    if not ctx.conv.active:
        await ctx.say("cancel.nothing")
        return
    key = ctx.cancel_key()  # read before the flow ends
    await ctx.finish()
    await ctx.say(key)


@router.command("lang", in_flow=True, help_key="help.cmd_lang", order=80)
async def lang(ctx: Context) -> None:
    """Choose the language: `/lang en`, `/lang zh_CN`, or by button."""
    if ctx.incoming.args:
        await _set_lang(ctx, ctx.incoming.args[0])
        return
    buttons = [[ctx.button(ctx.t(f"lang.name_{loc}"), LanguageTap(loc)) for loc in SUPPORTED]]
    await ctx.say("lang.choose", buttons)


@router.action("lang")
async def lang_button(ctx: Context) -> None:
    """The language button (LanguageTap)."""
    await _set_lang(ctx, LanguageTap.parse(ctx.action_args).locale)


async def _set_lang(ctx: Context, wanted: str) -> None:
    choice = {
        "zh": "zh_CN",
        "zh_cn": "zh_CN",
        "cn": "zh_CN",
        "中文": "zh_CN",
        "en": "en",
        "english": "en",
    }.get(wanted.strip().lower().replace("-", "_"))
    if ctx.person is None:
        await ctx.say("errors.not_registered")
        return
    if choice is None:
        await ctx.say("lang.unknown", choices=", ".join(SUPPORTED))
        return
    await ctx.services.people.set_locale(ctx.person, choice)
    ctx.locale = choice
    await ctx.say("lang.set")
    await ctx.reprompt()
