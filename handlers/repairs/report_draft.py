"""The report draft: which fields a repair report still needs, and photo/video/voice intake."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.types import FileRef
from bot.services.people import NEAR_METERS, Resolved
from bot.services.repairs import describe_without
from handlers.media_intake import PHOTOS, VOICES, take
from models.places import Place

FLOW = "report"
MAX_PHOTOS = PHOTOS.limit
MAX_VOICES = VOICES.limit
MAX_ASSETS = 8


def next_step(data: dict) -> str:
    """The first step whose field the draft still lacks."""
    if not data.get("category"):
        return "category"
    if not data.get("place_id") and not data.get("place_choices"):
        return "place"
    if data.get("asset_choices") and "asset_id" not in data:
        return "asset"
    if not data.get("description"):
        return "description"
    if not data.get("photos_done"):
        return "photos"
    if not data.get("urgency"):
        return "urgency"
    return "confirm"


async def take_photos(ctx: Context, refs: list[FileRef]) -> int:
    """Download, check and store photos into the draft; returns how many were added."""
    return len(await take(ctx, refs, PHOTOS))


async def offer_assets(ctx: Context) -> None:
    """Once the place is known, remember its assets so the report can name one (QR reports
    already did)."""
    data = ctx.conv.data
    if data.get("place_id") and not data.get("asset_offered"):
        assets = await ctx.services.assets.at_place(data["place_id"])
        await ctx.update(asset_offered=True, asset_choices=[a.id for a in assets[:MAX_ASSETS]])


async def take_location(ctx: Context) -> bool:
    """Set the draft's place to the place nearest the shared location and say so; False
    (after asking to type the room) when no place with coordinates is near enough."""
    assert ctx.incoming.location is not None
    lat, lon = ctx.incoming.location
    place = await ctx.services.places.nearest(lat, lon)
    if place is None:
        await ctx.say("report.location_no_place", meters=NEAR_METERS)
        return False
    await ctx.update(place_id=place.id, suggest=[])
    await ctx.say("report.place_from_location", place=place.display(ctx.locale))
    return True


async def resolve_place(ctx: Context, text: str) -> Resolved:
    """The place a report names (by code, name or alias; a room among its building's
    children), the places to choose from when several fit, or close matches."""
    return await ctx.services.places.resolve(text)


async def draft_from_text(ctx: Context, text: str) -> tuple[dict, list[Place], str | None]:
    """Draft fields from one free-text message, the close matches to offer if the place is
    unknown, and the place words that matched nothing. Several places that fit become
    `place_choices`, offered on the confirm card (never a silent guess)."""
    resolved = await resolve_place(ctx, text)
    match = resolved.match
    description, category = describe_without(text, match.spans,
                                             ctx.services.repairs.categories)
    data: dict = {}
    suggestions: list[Place] = []
    if resolved.place:
        data["place_id"] = resolved.place.id
    elif resolved.choices and match.unknown is None and match.choices:
        data["place_choices"] = [p.id for p in resolved.choices]
    else:
        suggestions = resolved.choices
    if match.detail:
        data["place_detail"] = match.detail
    if category:
        data["category"] = category
    if description.strip():
        data["description"] = description.strip()[:2000]
    if match.room_only and not resolved.choices:
        data["room_only"] = match.room_only
    return data, suggestions, match.unknown
