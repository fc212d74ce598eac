"""Commands that work everywhere: /start (binding), registration, /help, /cancel, /lang."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.i18n import SUPPORTED
from bot.core.qr_links import is_scan_param
from bot.core.router import Router
from bot.core.types import Incoming
from bot.services.people import LanguageTap, normalize_phone
from handlers.assets.qr_start import start_from_scan

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
        await help_text(ctx)
        return
    if ctx.person is None:
        await register(ctx)
        return
    await ctx.say("start.welcome_back", name=ctx.person.name)
    await help_text(ctx)


@router.command("register", public=True)
async def register(ctx: Context) -> None:
    """Open reporting: an unbound user gives a name and phone, then becomes a reporter."""
    if ctx.person is not None:
        await ctx.say("register.already", name=ctx.person.name)
        return
    if not ctx.services.settings.open_reporting:
        await ctx.say("register.closed")
        return
    inc = ctx.incoming
    resume = {"text": inc.text, "command": inc.command, "args": inc.args}
    if inc.command in ("start", "register") and not is_scan_param(inc.args):
        resume = {}
    await ctx.begin("register", "name", resume=resume)
    await ask_name(ctx)


@router.prompt("register", "name")
async def ask_name(ctx: Context) -> None:
    """Ask an unbound user for their name."""
    name = ctx.incoming.display_name.strip()
    buttons = [[ctx.choose(ctx.t("register.use_name", name=name[:30]), "display")]] if name else []
    await ctx.say("register.ask_name", buttons)


@router.step("register", "name")
async def got_name(ctx: Context) -> None:
    """Take the name (typed, or the platform's display name by button)."""
    name = ctx.incoming.display_name if ctx.choice == "display" else (ctx.incoming.text or "")
    name = " ".join(name.split())
    if not 1 <= len(name) <= 50:
        await ctx.say("register.bad_name")
        await ask_name(ctx)
        return
    await ctx.goto("phone", name=name)
    await ask_phone(ctx)


@router.prompt("register", "phone")
async def ask_phone(ctx: Context) -> None:
    """Ask for a phone number the worker can call."""
    await ctx.say("register.ask_phone")


@router.step("register", "phone")
async def got_phone(ctx: Context) -> None:
    """Validate the phone, create the reporter, then carry on with what they first sent."""
    phone = normalize_phone(ctx.incoming.text or "")
    if phone is None:
        await ctx.say("register.bad_phone")
        return
    inc = ctx.incoming
    person = await ctx.services.people.register_reporter(
        inc.platform, inc.user_id, inc.chat_id, ctx.conv.data["name"], phone, ctx.locale
    )
    resume = ctx.conv.data.get("resume") or {}
    await ctx.finish()
    ctx.person = person
    await ctx.say("register.done", name=person.name)
    if (resume.get("text") or resume.get("command")) and ctx.reroute:
        ctx.incoming = Incoming(
            platform=inc.platform,
            chat_id=inc.chat_id,
            user_id=inc.user_id,
            display_name=inc.display_name,
            text=resume.get("text"),
            command=resume.get("command"),
            args=resume.get("args") or [],
            language=inc.language,
        )
        await ctx.reroute(ctx)
    else:
        await help_text(ctx)


async def help_text(ctx: Context) -> None:
    """The commands this person may use, with the free-text tip."""
    assert ctx.router is not None
    roles = ctx.person.roles if ctx.person else ["reporter"]
    lines = [ctx.t("help.title")]
    lines += [f"/{name} — {ctx.t(route.help_key or '')}" for name, route in ctx.router.menu(roles)]
    lines.append(ctx.t("help.free_text"))
    await ctx.reply("\n".join(lines))


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
