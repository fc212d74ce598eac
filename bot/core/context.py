"""What a handler gets: the update, the person, their locale, the conversation and tools."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.core.i18n import Translator
from bot.core.payloads import FlowChoice, Payload
from bot.core.router import Router
from bot.core.state import Conversation, StateStore
from bot.core.types import Button, Incoming, Reply

if TYPE_CHECKING:
    from bot.delivery.notifier import Notifier
    from bot.services.container import Services
    from models.people import Person

FLOW_PREFIX = FlowChoice.prefix


@dataclass
class Context:
    """One update being handled."""

    incoming: Incoming
    person: Person | None
    locale: str
    conv: Conversation
    services: Services
    translator: Translator
    notifier: Notifier
    states: StateStore
    fetch_file: Callable[[str], Awaitable[bytes]]
    choice: str | None = None
    action_args: list[str] = field(default_factory=list)
    reroute: Callable[[Context], Awaitable[None]] | None = None
    reprompter: Callable[[Context], Awaitable[None]] | None = None
    router: Router | None = None

    def t(self, key: str, **fields: Any) -> str:
        """Translate `key` into this user's locale."""
        return self.translator(self.locale, key, **fields)

    async def reply(
        self,
        text: str,
        buttons: list[list[Button]] | None = None,
        *,
        edit: bool = False,
        image: bytes | None = None,
    ) -> None:
        """Answer in this chat via the outbox; `edit` replaces the pressed button's message.
        The conversation's unsaved changes are written in the same transaction as the
        outbox row: both or neither."""
        edit_id = self.incoming.message_id if edit and self.incoming.callback else None
        reply = Reply(text=text, buttons=buttons or [], image=image, edit_message_id=edit_id)
        writes = self.states.writes(self.conv) if self.conv.dirty else []
        await self.notifier.send(self.incoming.address, reply, priority=1, writes=writes)
        if self.conv.dirty:
            self.states.written(self.conv)

    async def say(self, key: str, buttons: list[list[Button]] | None = None, **fields: Any) -> None:
        """Reply with a translated text."""
        await self.reply(self.t(key, **fields), buttons)

    def choose(self, label: str, value: str) -> Button:
        """A button that answers the current flow step with `value` (stale once the flow ends)."""
        return Button(label, FlowChoice(self.conv.token or "", value).pack())

    def button(self, label: str, payload: Payload) -> Button:
        """A button carrying a typed action payload (bot.core.payloads)."""
        return Button(label, payload.pack())

    def cancel_button(self) -> Button:
        """The Cancel button of the current flow (answered by `cancelled`)."""
        return self.choose(self.t("cancel.button"), "cancel")

    def cancel_key(self) -> str:
        """What ending the current flow by Cancel or /cancel says: the flow's own text (see
        Router.cancel_text), else the shared "Cancelled. Nothing was filed."."""
        texts = self.router.cancel_texts if self.router is not None else {}
        return texts.get(self.conv.flow or "", "cancel.done")

    async def cancelled(self, key: str | None = None) -> bool:
        """If Cancel was pressed: end the flow, say `key` (default: the flow's cancel text) on
        the pressed message, return True."""
        if self.choice != "cancel":
            return False
        key = key or self.cancel_key()
        await self.finish()
        await self.reply(self.t(key), edit=True)
        return True

    def act(self, label: str, action: str, *args: Any) -> Button:
        """A button for an action that works outside flows, e.g. `tk:view:12`."""
        return Button(label, ":".join([action, *map(str, args)]))

    # The conversation changes below are written with the next reply or at the end of the
    # update (save_state), not each on its own.

    async def begin(self, flow: str, step: str, **data: Any) -> None:
        """Start a flow at `step` with draft `data`."""
        self.states.start(self.conv, flow, step, **data)

    async def goto(self, step: str, **data: Any) -> None:
        """Move the current flow to `step`, merging `data` into the draft."""
        self.conv.step = step
        self.conv.data.update(data)
        self.conv.dirty = True

    async def update(self, **data: Any) -> None:
        """Merge `data` into the draft without moving."""
        self.conv.data.update(data)
        self.conv.dirty = True

    async def save_state(self) -> None:
        """Write the conversation's changes not written yet (no-op when there are none)."""
        if self.conv.dirty:
            await self.states.write(self.conv)

    async def reprompt(self) -> None:
        """Ask the current flow step's question again (no-op outside a flow)."""
        if self.reprompter is not None:
            await self.reprompter(self)

    async def finish(self) -> None:
        """End the flow and drop its draft."""
        self.states.end(self.conv)
