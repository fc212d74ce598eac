"""/invite NAME PHONE [ROLE] (managers, admins): a one-time web sign-in link and a chat code;
/sessions [revoke ID] (admins): web sessions."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.services.people import INVITABLE, public_base

router = Router()


# roles here only keep the commands out of others' menus; the services enforce them
@router.command("invite", roles=("manager",), in_flow=True, help_key="invite.cmd", order=80)
async def invite(ctx: Context) -> None:
    """Invite someone: `/invite NAME PHONE [ROLE]` (the name may have spaces)."""
    args = ctx.incoming.args
    if len(args) < 2:
        await ctx.say("invite.usage")
        return
    role = "reporter"
    if len(args) >= 3 and args[-1].lower() in INVITABLE:
        role = args[-1].lower()
        args = args[:-1]
    name, phone = " ".join(args[:-1]), args[-1]
    invitation = await ctx.services.invitations.invite(ctx.person, name, phone, role)
    settings = ctx.services.settings
    base, _ = public_base(settings.public_url, settings.http_port)
    roles = ", ".join(ctx.t(f"role.{r}") for r in invitation.person.roles)
    await ctx.say("invite.done", name=invitation.person.name, roles=roles,
                  link=base + invitation.link_path, code=invitation.code,
                  hours=settings.invite_ttl_hours)


@router.command("sessions", roles=("admin",), in_flow=True, help_key="sessions.cmd", order=81)
async def sessions(ctx: Context) -> None:
    """Live web sessions (`/sessions`), or end one (`/sessions revoke ID`)."""
    args = ctx.incoming.args
    service = ctx.services.web_sessions
    if args and args[0].lower() == "revoke":
        if len(args) < 2 or not args[1].isdigit():
            await ctx.say("sessions.usage")
            return
        row = await service.revoke_as(ctx.person, int(args[1]))
        await ctx.say("sessions.revoked", id=row.id)
        return
    rows = await service.list_as(ctx.person)
    if not rows:
        await ctx.say("sessions.none")
        return
    lines = [ctx.t("sessions.title", count=len(rows))]
    for row in rows[:50]:
        lines.append(ctx.t("sessions.line", id=row.id, name=row.person.name, method=row.method,
                           seen=row.last_seen_at.strftime("%Y-%m-%d %H:%M"), ip=row.ip or "-"))
    await ctx.reply("\n".join(lines))
