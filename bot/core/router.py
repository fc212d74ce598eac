"""Routers: what each handler module answers (commands, flow steps, actions, free input)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.context import Context

Handler = Callable[["Context"], Awaitable[None]]
TextMatcher = Callable[["Context"], Awaitable[bool]]


@dataclass
class CommandRoute:
    """A `/command` with the roles allowed to use it and whether it may interrupt a flow."""

    handler: Handler
    roles: tuple[str, ...] = ()
    public: bool = False
    in_flow: bool = False
    help_key: str | None = None
    order: int = 50


@dataclass
class TextRoute:
    """Free text that `matches` recognises (e.g. a stock question) goes to `handler` before
    the general text fallback; lower `priority` is tried first."""

    handler: Handler
    matches: TextMatcher
    priority: int = 50


@dataclass
class Router:
    """Collects one handler module's routes; the dispatcher merges all routers."""

    commands: dict[str, CommandRoute] = field(default_factory=dict)
    steps: dict[tuple[str, str], Handler] = field(default_factory=dict)
    prompts: dict[tuple[str, str], Handler] = field(default_factory=dict)
    actions: dict[str, Handler] = field(default_factory=dict)
    public_flows: set[str] = field(default_factory=set)
    cancel_texts: dict[str, str] = field(default_factory=dict)
    text_fallbacks: list[Handler] = field(default_factory=list)
    text_routes: list[TextRoute] = field(default_factory=list)
    photo_fallbacks: list[Handler] = field(default_factory=list)
    location_fallbacks: list[Handler] = field(default_factory=list)
    _owners: dict[tuple[str, object], str] = field(default_factory=dict, repr=False)

    def command(
        self,
        *names: str,
        roles: tuple[str, ...] = (),
        public: bool = False,
        in_flow: bool = False,
        help_key: str | None = None,
        order: int = 50,
    ) -> Callable[[Handler], Handler]:
        """Register a command: `public` works unbound, `in_flow` keeps the current flow;
        with `help_key` the first name is listed in /help and the platform menus."""

        def register(fn: Handler) -> Handler:
            for i, name in enumerate(names):
                key = help_key if i == 0 else None
                self.commands[name] = CommandRoute(fn, roles, public, in_flow, key, order)
            return fn

        return register

    def step(self, flow: str, step: str) -> Callable[[Handler], Handler]:
        """Register the handler of one step of a flow (text, photos or a flow button)."""

        def register(fn: Handler) -> Handler:
            self.steps[(flow, step)] = fn
            return fn

        return register

    def prompt(self, flow: str, step: str) -> Callable[[Handler], Handler]:
        """Register what re-asks a step (after bad input, a stale button or /help)."""

        def register(fn: Handler) -> Handler:
            self.prompts[(flow, step)] = fn
            return fn

        return register

    def cancel_text(self, flow: str, key: str) -> None:
        """What Cancel and /cancel say when they end `flow` (instead of the shared "nothing was
        filed"): for flows that keep what was given so far, or drop something else."""
        self.cancel_texts[flow] = key

    def action(self, name: str) -> Callable[[Handler], Handler]:
        """Register a button action `name:arg…` that works outside any flow."""

        def register(fn: Handler) -> Handler:
            self.actions[name] = fn
            return fn

        return register

    def on_text(self, fn: Handler) -> Handler:
        """Register a handler for free text sent outside any flow."""
        self.text_fallbacks.append(fn)
        return fn

    def on_text_if(self, matches: TextMatcher, priority: int = 50) -> Callable[[Handler], Handler]:
        """Register a handler for free text outside any flow that `matches` recognises; such
        routes are tried by priority before the `on_text` fallback."""

        def register(fn: Handler) -> Handler:
            self.text_routes.append(TextRoute(fn, matches, priority))
            self.text_routes.sort(key=lambda route: route.priority)
            return fn

        return register

    def on_photo(self, fn: Handler) -> Handler:
        """Register a handler for photos sent outside any flow."""
        self.photo_fallbacks.append(fn)
        return fn

    def on_location(self, fn: Handler) -> Handler:
        """Register a handler for a shared location sent outside any flow."""
        self.location_fallbacks.append(fn)
        return fn

    def menu(self, roles: list[str] | None = None) -> list[tuple[str, CommandRoute]]:
        """Listed commands in menu order; with `roles`, only those that person may use."""
        listed = [(n, r) for n, r in self.commands.items() if r.help_key]
        if roles is not None:
            held = set(roles)
            listed = [
                (n, r) for n, r in listed if not r.roles or "admin" in held or held & set(r.roles)
            ]
        return sorted(listed, key=lambda item: (item[1].order, item[0]))

    def include(self, other: Router, name: str = "") -> None:
        """Merge another router's routes into this one; a command, step, prompt, action or
        cancel text that both define raises `RouteConflict` naming both routers."""
        self._check_free(other, name)
        self.commands.update(other.commands)
        self.steps.update(other.steps)
        self.prompts.update(other.prompts)
        self.actions.update(other.actions)
        self.public_flows |= other.public_flows
        self.cancel_texts.update(other.cancel_texts)
        self.text_fallbacks.extend(other.text_fallbacks)
        # sorted() is stable: routes of one priority keep the order the routers were included
        self.text_routes = sorted([*self.text_routes, *other.text_routes],
                                  key=lambda route: route.priority)
        self.photo_fallbacks.extend(other.photo_fallbacks)
        self.location_fallbacks.extend(other.location_fallbacks)
        for kind, keys in _route_keys(other).items():
            for key in keys:
                self._owners.setdefault((kind, key), name or "?")

    def _check_free(self, other: Router, name: str) -> None:
        mine = _route_keys(self)
        for kind, keys in _route_keys(other).items():
            clash = sorted(str(k) for k in keys & mine[kind])
            if clash:
                owner = self._owners.get((kind, _first_key(keys & mine[kind])), "?")
                raise RouteConflict(
                    f"{kind} {', '.join(clash)} defined by both {owner} and {name or '?'}"
                )


class RouteConflict(RuntimeError):
    """Two routers define the same command, step, prompt, action or cancel text."""


def _route_keys(router: Router) -> dict[str, set]:
    return {
        "command": set(router.commands),
        "step": set(router.steps),
        "prompt": set(router.prompts),
        "action": set(router.actions),
        "cancel text": set(router.cancel_texts),
    }


def _first_key(keys: set):
    return sorted(keys, key=str)[0]
