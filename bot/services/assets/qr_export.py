"""Which labels `python -m bot qr rooms|assets [--building B]` prints, with their links."""

from __future__ import annotations

from bot.config import Settings
from bot.core.errors import NotFound
from bot.core.qr_links import encode_param, scan_url
from bot.services.assets.qr_labels import Label
from models.assets import Asset
from models.places import Place

LABEL_KINDS = ("rooms", "assets")
ROOM_KINDS = ("room", "area")


async def _under(building: str | None) -> dict[int, Place]:
    """Active places, or only those inside building `building` (the building included)."""
    places = {p.id: p for p in await Place.filter(active=True).order_by("code")}
    if not building:
        return places
    root = next((p for p in places.values() if p.code.lower() == building.strip().lower()),
                None)
    if root is None:
        raise NotFound("places.unknown", query=building[:40])
    inside: dict[int, Place] = {}
    for place in places.values():
        node: Place | None = place
        for _ in range(10):  # the tree is shallow; a loop in bad data must not hang
            if node is None:
                break
            if node.id == root.id:
                inside[place.id] = place
                break
            node = places.get(node.parent_id)  # type: ignore[attr-defined]
    return inside


async def collect_labels(settings: Settings, kind: str, building: str | None = None,
                         target: str | None = None) -> list[Label]:
    """The labels of rooms (and named areas) or of assets in use, optionally in one building."""
    places = await _under(building)
    if kind == "rooms":
        return [
            Label(p.code, p.name_zh, p.name_en,
                  scan_url(settings, encode_param("place", p.code), target))
            for p in places.values() if p.kind in ROOM_KINDS
        ]
    assets = await Asset.filter(place_id__in=list(places), status__not="disposed") \
        .order_by("code")
    return [
        Label(a.code, a.name_zh, a.name_en,
              scan_url(settings, encode_param("asset", a.code), target),
              sub_zh=places[a.place_id].name_zh,  # type: ignore[attr-defined]
              sub_en=places[a.place_id].name_en)  # type: ignore[attr-defined]
        for a in assets
    ]
