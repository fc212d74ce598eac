"""The audience steps that /alert and /survey share: everyone, a building/area or zone, a role,
a dorm building's residents or a list of people; then a head count, and on to the flow's next
step (or back to the choice when nobody could be reached)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.core.context import Context
from bot.core.errors import NotFound
from bot.core.router import Router
from bot.services.alerts import Audience
from handlers.render import rows
from models.people import ROLES

KINDS = ("place", "role", "dorm", "people")


@dataclass(frozen=True)
class AudienceSteps:
    """The audience steps of one flow. `service(ctx)` is the flow's service, which has an
    `audience` resolver and `preview(person, audience)`; after a reachable choice the flow
    goes to `next_step` (with kind, value, people, reachable) and `ask_next` asks it."""

    flow: str
    service: Callable[[Context], Any]
    next_step: str
    ask_next: Callable[[Context], Awaitable[None]]
    ask_key: str
    use_buttons_key: str

    def register(self, router: Router) -> None:
        """Add the steps "audience" and "aud_<kind>" of the flow to `router`."""
        pairs: list[tuple[str, Any, Any]] = [
            ("audience", self.ask, self._got_kind),
            ("aud_place", self._ask_place, self._got_place),
            ("aud_role", self._ask_role, self._got_role),
            ("aud_dorm", self._ask_dorm, self._got_dorm),
            ("aud_people", self._ask_people, self._got_people),
        ]
        for step, prompt, handler in pairs:
            router.prompt(self.flow, step)(prompt)
            router.step(self.flow, step)(handler)

    async def ask(self, ctx: Context) -> None:
        """Offer the kinds of audience (dorm residents only where dorms exist)."""
        kinds = ["everyone", "place", "role"]
        if self.service(ctx).audience.dorms_available:
            kinds.append("dorm")
        kinds.append("people")
        choices = [ctx.choose(ctx.t(f"alerts.aud_btn_{k}"), k) for k in kinds]
        await ctx.say(self.ask_key, [*rows(choices, 2), [ctx.cancel_button()]])

    async def _got_kind(self, ctx: Context) -> None:
        if await ctx.cancelled():
            return
        kind = ctx.choice or ""
        if kind == "everyone":
            await self._chosen(ctx, Audience("everyone"))
        elif kind in KINDS:
            await ctx.goto(f"aud_{kind}")
            await ctx.reprompt()
        else:
            await ctx.say(self.use_buttons_key)
            await self.ask(ctx)

    async def _ask_place(self, ctx: Context) -> None:
        await ctx.say("alerts.ask_place", [[ctx.cancel_button()]])

    async def _got_place(self, ctx: Context) -> None:
        if await ctx.cancelled():
            return
        query = (ctx.choice or ctx.incoming.text or "").strip()
        try:
            audience = await self.service(ctx).audience.place_audience(query)
        except NotFound:
            near = await ctx.services.places.suggest(query)
            buttons = [ctx.choose(p.display(ctx.locale), p.code) for p in near]
            cancel = [ctx.cancel_button()]
            await ctx.say("places.unknown", [*rows(buttons, 2), cancel], query=query[:40])
            return
        await self._chosen(ctx, audience)

    async def _ask_role(self, ctx: Context) -> None:
        choices = [ctx.choose(ctx.t(f"role.{r}"), r) for r in ROLES]
        await ctx.say("alerts.ask_role", [*rows(choices, 3), [ctx.cancel_button()]])

    async def _got_role(self, ctx: Context) -> None:
        if await ctx.cancelled():
            return
        if ctx.choice not in ROLES:
            await ctx.say(self.use_buttons_key)
            await self._ask_role(ctx)
            return
        await self._chosen(ctx, Audience("role", ctx.choice or ""))

    async def _ask_dorm(self, ctx: Context) -> None:
        top = await ctx.services.places.children(None)
        buildings = [p for p in top if p.kind == "building"][:12]
        choices = [ctx.choose(b.display(ctx.locale), b.code) for b in buildings]
        await ctx.say("alerts.ask_dorm", [*rows(choices, 3), [ctx.cancel_button()]])

    async def _got_dorm(self, ctx: Context) -> None:
        if await ctx.cancelled():
            return
        query = (ctx.choice or ctx.incoming.text or "").strip()
        place = await ctx.services.places.find(query) if query else None
        code = place.code if place else query
        await self._chosen(ctx, await self.service(ctx).audience.validate(Audience("dorm", code)))

    async def _ask_people(self, ctx: Context) -> None:
        await ctx.say("alerts.ask_people", [[ctx.cancel_button()]])

    async def _got_people(self, ctx: Context) -> None:
        if await ctx.cancelled():
            return
        resolver = self.service(ctx).audience
        audience, missing = await resolver.parse_list(ctx.incoming.text or "")
        if missing:
            await ctx.say("alerts.list_missing", names="、".join(missing[:20]))
        if audience is None:
            await self._ask_people(ctx)
            return
        await self._chosen(ctx, audience)

    async def _chosen(self, ctx: Context, audience: Audience) -> None:
        """Count the audience; nobody reachable means choosing again."""
        assert ctx.person is not None
        preview = await self.service(ctx).preview(ctx.person, audience)
        if preview.people == 0 or preview.reachable == 0:
            await ctx.say("alerts.audience_empty")
            await ctx.goto("audience")
            await self.ask(ctx)
            return
        await ctx.goto(
            self.next_step,
            kind=preview.audience.kind,
            value=preview.audience.value,
            people=preview.people,
            reachable=preview.reachable,
        )
        await self.ask_next(ctx)
