"""How the assets domain presents itself: its button payloads (as, at, pm, qr) and the buttons
of its pushes (warranty reminders, repeat failures)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, ClassVar

from bot.core.payloads import SEPARATOR, Payload, payload
from bot.delivery.announce import ButtonSpec, text

if TYPE_CHECKING:
    from models.assets import Asset
    from models.repairs import Ticket

MAX_ID = 2_147_483_647


class TrimmedPayload(Payload):
    """A payload whose trailing fields left at their defaults are not packed, as the buttons
    sent before typed payloads had no empty tail (`as:v:12`, not `as:v:12:`)."""

    def pack(self) -> str:
        """The packed payload without the trailing fields that keep their defaults."""
        packed = super().pack()
        unset = 0
        for field in reversed(dataclasses.fields(self)):  # type: ignore[arg-type]
            if field.default is dataclasses.MISSING or getattr(self, field.name) != field.default:
                break
            unset += 1
        # defaults are "" or 0, so no separator inside the trailing fields dropped here
        return packed.rsplit(SEPARATOR, unset)[0] if unset else packed


@payload("as")
class AssetTap(TrimmedPayload):
    """An asset card button: v view, m move, s status menu, st set `status`, d dispose."""

    verb: str
    asset_id: int
    status: str = ""
    longest: ClassVar = ("st", MAX_ID, "under_repair")


@payload("at")
class AssetLinkTap(TrimmedPayload):
    """Naming a ticket's asset: p lists the place's assets, s links `asset_id`."""

    verb: str
    ticket_id: int
    asset_id: int = 0
    longest: ClassVar = ("s", MAX_ID, MAX_ID)


@payload("pm")
class PlanTap(Payload):
    """A maintenance plan button: x stops the plan."""

    verb: str
    plan_id: int
    longest: ClassVar = ("x", MAX_ID)


@payload("qr")
class QrTap(Payload):
    """After an unknown or retired QR code: report a repair the normal way."""

    what: str = "report"
    longest: ClassVar = ("report",)


def card_button(asset: Asset) -> list[list[ButtonSpec]]:
    """One row: the asset's card."""
    return [[(text("assets.btn_card"), AssetTap("v", asset.id).pack())]]


def repeat_failure_buttons(ticket: Ticket, asset: Asset) -> list[list[ButtonSpec]]:
    """One row: the ticket and the asset's card."""
    from bot.services.repairs import TicketTap  # repairs imports assets: bound when called

    return [[(text("dispatch.btn_view"), TicketTap("v", ticket.number).pack()),
             (text("assets.btn_card"), AssetTap("v", asset.id).pack())]]
