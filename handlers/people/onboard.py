"""Onboarding an unbound chat: verify with id (or phone) + name against the roster, or register
openly as a reporter; whatever the first message held is kept and carried on with afterwards.

One flow (`register`) for a newcomer's first message and for `/verify`: the name and the id or
phone are asked in turn (`order`), then tried. The first message (text, photos, videos, voice
notes, a location, a QR start parameter) is kept in the conversation state (`pending`), so it
survives a restart, and is replayed into the report flow once the chat is bound."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.errors import ServiceError
from bot.core.qr_links import is_scan_param
from bot.core.router import Router
from bot.core.types import Incoming
from bot.services.people import phone_of
from handlers.dorms.views import my_card
from handlers.people.menu import help_text

router = Router()
FLOW = "register"
FIRST_MESSAGE_ORDER = ("name", "login")  # a newcomer writing: name first, as open registration
VERIFY_ORDER = ("login", "name")  # /verify: the id first, as on a student card
MAX_NAME = 50
MAX_LOGIN = 64
# bare commands that only open the flow: nothing to carry on with afterwards
OPENERS = ("start", "register", "verify")


def _pending(inc: Incoming) -> dict | None:
    """What to carry on with after binding: the whole first message, unless it only opened."""
    if inc.command in OPENERS and not (inc.command == "start" and is_scan_param(inc.args)):
        return None
    return inc.to_dict()


def kept_message(ctx: Context) -> dict | None:
    """The first message kept by an onboarding under way in this chat, if any."""
    return ctx.conv.data.get("pending") if ctx.conv.flow == FLOW else None


@router.command("register", public=True)
async def register(ctx: Context) -> None:
    """An unbound writer: keep what they sent, then ask who they are (verify or register)."""
    if ctx.person is not None:
        await ctx.say("register.already", name=ctx.person.name)
        return
    await ctx.begin(FLOW, FIRST_MESSAGE_ORDER[0], order=list(FIRST_MESSAGE_ORDER),
                    pending=kept_message(ctx) or _pending(ctx.incoming))
    await ask_name(ctx)


@router.command("verify", public=True, in_flow=True, help_key="verify.cmd", order=70)
async def verify(ctx: Context) -> None:
    """`/verify` asks step by step; `/verify ID NAME` (or PHONE NAME) does it at once."""
    if ctx.conv.active and ctx.conv.flow != FLOW:
        await ctx.say("errors.finish_first")
        await ctx.reprompt()
        return
    await ctx.services.verification.check_can_verify(ctx.person)
    pending = kept_message(ctx)
    args = ctx.incoming.args
    await ctx.begin(FLOW, VERIFY_ORDER[0], order=list(VERIFY_ORDER), pending=pending)
    if len(args) >= 2:
        await ctx.update(login=args[0][:MAX_LOGIN])
        await _try(ctx, " ".join(args[1:]))
        return
    await ask_login(ctx)


@router.prompt(FLOW, "name")
async def ask_name(ctx: Context) -> None:
    """Ask for the name as on the roster (the platform's display name by button)."""
    name = ctx.incoming.display_name.strip()
    buttons = [[ctx.choose(ctx.t("register.use_name", name=name[:30]), "display")]] if name else []
    data = ctx.conv.data
    welcome = (data.get("order") or FIRST_MESSAGE_ORDER)[0] == "name" and not data.get("retry")
    key = "register.ask_name" if welcome else "verify.ask_name"
    await ctx.say(key, buttons)


@router.prompt(FLOW, "login")
async def ask_login(ctx: Context) -> None:
    """Ask for the student or staff id, or the phone number (a new one registers, where open
    reporting is on)."""
    walk_ins = ctx.services.settings.open_reporting and ctx.person is None
    await ctx.say("verify.ask_login_open" if walk_ins else "verify.ask_login")


@router.step(FLOW, "name")
async def got_name(ctx: Context) -> None:
    """Take the name (typed, or the display name by button), then the id or the try."""
    if await _kept_media(ctx):
        return
    name = ctx.incoming.display_name if ctx.choice == "display" else (ctx.incoming.text or "")
    name = " ".join(name.split())
    if not 1 <= len(name) <= MAX_NAME:
        await ctx.say("register.bad_name")
        await ask_name(ctx)
        return
    if ctx.conv.data.get("login"):
        await _try(ctx, name)
        return
    await ctx.goto("login", name=name)
    await ask_login(ctx)


@router.step(FLOW, "login")
async def got_login(ctx: Context) -> None:
    """Take the id or phone, then the name or the try."""
    if await _kept_media(ctx):
        return
    login = " ".join((ctx.incoming.text or "").split())
    if not login or len(login) > MAX_LOGIN or (len(login.split()) > 1 and not phone_of(login)):
        await ctx.say("verify.bad_login")
        await ask_login(ctx)
        return
    name = ctx.conv.data.get("name")
    if name:
        await ctx.update(login=login)
        await _try(ctx, name)
        return
    await ctx.goto("name", login=login)
    await ask_name(ctx)


async def _kept_media(ctx: Context) -> bool:
    """Photos, videos, voice notes or a location sent while we ask: kept with the first
    message (an album arrives as several messages), and the question is asked again."""
    inc = ctx.incoming
    if not (inc.photos or inc.documents or inc.location) or ctx.choice is not None:
        return False
    pending = ctx.conv.data.get("pending") or Incoming(
        inc.platform, inc.chat_id, inc.user_id, inc.display_name, language=inc.language).to_dict()
    extra = inc.to_dict()
    pending["photos"] = [*pending.get("photos", []), *extra["photos"]]
    pending["documents"] = [*pending.get("documents", []), *extra["documents"]]
    pending["location"] = pending.get("location") or extra["location"]
    pending["text"] = pending.get("text") or extra["text"]
    await ctx.update(pending=pending)
    await ctx.say("register.kept_media", count=len(pending["photos"]) + len(pending["documents"]))
    await ctx.reprompt()
    return True


async def _try(ctx: Context, name: str) -> None:
    """Try the name with the id or phone: bound, refused, or asked again from the start."""
    inc, data = ctx.incoming, ctx.conv.data
    login = data.get("login") or ""
    try:
        verified = await ctx.services.verification.verify(
            inc.platform, inc.user_id, inc.chat_id, login, name, current=ctx.person,
            locale=ctx.locale, open_reporting=ctx.services.settings.open_reporting)
    except ServiceError as err:
        if err.key != "verify.mismatch":
            await ctx.finish()
            await ctx.reply(ctx.t(err.key, **err.fields))
            return
        await _again(ctx, err)
        return
    person = verified.person
    ctx.person, ctx.locale = person, person.locale or ctx.locale
    if verified.registered:
        await ctx.say("register.done", name=person.name)
        await carry_on(ctx, data.get("pending"))
        return
    roles = ", ".join(ctx.t(f"role.{r}") for r in person.roles)
    await ctx.say("verify.ok", name=person.name, roles=roles)
    dorms, shown = ctx.services.dorms, False
    for stay in await dorms.stays_of(person):
        if not await dorms.push_notice(stay.id):  # announced before: show it
            text, buttons = my_card(ctx, stay)
            await ctx.reply(text, buttons)
        shown = True
    await carry_on(ctx, data.get("pending"), show_help=not shown)


async def _again(ctx: Context, err: ServiceError) -> None:
    """A wrong pair: say so, and ask again from the first question."""
    order = ctx.conv.data.get("order") or list(FIRST_MESSAGE_ORDER)
    await ctx.begin(FLOW, order[0], order=order, pending=ctx.conv.data.get("pending"),
                    retry=True)
    await ctx.reply(ctx.t(err.key, **err.fields))
    await ctx.reprompt()


async def carry_on(ctx: Context, pending: dict | None, show_help: bool = True) -> None:
    """End the flow, then go on with the first message (as if sent now), or show the help;
    also for a newcomer who binds with an invite code (/start CODE) half way through."""
    await ctx.finish()
    ctx.choice = None
    if pending and ctx.reroute is not None:
        first = Incoming.from_dict(pending)
        if first.text or first.command or first.photos or first.documents or first.location:
            ctx.incoming = first
            await ctx.reroute(ctx)
            return
    if show_help:
        await help_text(ctx)
