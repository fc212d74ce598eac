"""The asset checks for the auditors (`python -m bot export asset-checks FILE.csv`): one row per
asset per round, oldest round first, with the answer, who gave it and when (local time), the note
and the repair ticket it filed. An asset nobody could be asked about reads `no_keeper`, one not
answered `unanswered`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.services.assets.csv_io import person_ref
from bot.services.csv_format import write_csv
from models.assets import AssetCheckItem

CHECK_COLUMNS = ("round", "kind", "started_at", "closed_at", "asset", "name_zh", "name_en",
                 "place", "department", "keeper", "keeper_name", "answer", "note", "ticket",
                 "answered_by", "answered_at")


def _stamp(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else ""


def _answer(item: AssetCheckItem) -> str:
    if item.answer:
        return item.answer
    return "no_keeper" if item.sheet.orphan else "unanswered"


async def export_asset_checks(path: str | Path, timezone: str) -> int:
    """Every round's answers, asset by asset; the number of rows."""
    zone = ZoneInfo(timezone)
    items = await AssetCheckItem.all().order_by("round_id", "id").prefetch_related(
        "round", "sheet__person", "asset__place", "ticket", "answered_by")
    return write_csv(path, CHECK_COLUMNS, (
        (i.round.key, i.round.kind, _stamp(i.round.started_at, zone),
         _stamp(i.round.closed_at, zone), i.asset.code, i.asset.name_zh, i.asset.name_en,
         i.asset.place.code, i.department, person_ref(i.sheet.person),
         i.sheet.person.name if i.sheet.person else "", _answer(i), i.note or "",
         i.ticket.number if i.ticket else "", person_ref(i.answered_by),
         _stamp(i.answered_at, zone))
        for i in items
    ))
