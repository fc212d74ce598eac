"""The report draft: which fields a repair report still needs, and photo/video/voice intake."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.types import FileRef
from bot.services.people import NEAR_METERS
from bot.services.repairs import ParsedReport, parse_report_text
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
    if not data.get("place_id"):
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


async def resolve_place(
    ctx: Context, parsed: ParsedReport, text: str
) -> tuple[Place | None, list[Place], bool]:
    """The place a report names (by code, name or alias), close matches to offer when it is
    unknown, and whether the whole text was just the place."""
    places = ctx.services.places
    if parsed.place_code:
        found = await places.find(parsed.place_code)
        return found, [] if found else await places.suggest(parsed.place_code), False
    exact = await places.find(text)
    if exact:
        return exact, [], True
    found = await places.find_in_text(text)
    if found:
        return found, [], False
    return None, await places.suggest(text) if len(text) <= 40 else [], False


async def draft_from_text(ctx: Context, text: str) -> tuple[dict, list[Place], str | None]:
    """Draft fields from one free-text message, the suggestions if the place is unknown,
    and the place words that matched nothing."""
    parsed = parse_report_text(text, ctx.services.repairs.categories)
    place, suggestions, whole = await resolve_place(ctx, parsed, text)
    data: dict = {}
    if place:
        data["place_id"] = place.id
    if parsed.category:
        data["category"] = parsed.category
    if parsed.description.strip() and not whole:
        data["description"] = parsed.description.strip()[:2000]
    unknown = parsed.place_code if parsed.place_code and not place else None
    return data, suggestions, unknown
