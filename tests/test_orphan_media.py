"""Media of drafts never submitted is deleted after a day (issue 16 item 8, rest) — only when
nothing refers to it: tickets, inspection answers, drafts held in a conversation (a dorm
check-in checklist keeps its items' photos nested) and messages waiting in the outbox keep
theirs. Real files in a media folder, a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.types import Media, Reply
from bot.services.media import MediaService
from bot.services.retention import prune, prune_orphan_media
from models.conversation import ConversationState
from models.inspections import InspectionAnswer, InspectionItem, InspectionRound
from models.outbox import OutboxMessage
from models.places import Place
from models.repairs import Attachment, Ticket
from tests.inspection_support import import_checklist
from tests.support import png_bytes, seed_small_campus

pytestmark = pytest.mark.service
NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
TWO_DAYS_AGO = NOW - timedelta(days=2)


async def _photo(media: MediaService, owner, seed: int, when: datetime = TWO_DAYS_AGO):
    """A stored photo (row and file), dated `when`."""
    attachment = await media.store_photo(owner, png_bytes(seed=seed))
    await Attachment.filter(id=attachment.id).update(created_at=when)
    return attachment


async def test_only_old_media_referenced_by_nothing_is_deleted(db, tmp_path):
    people = await seed_small_campus()
    student = people["student"]
    media = MediaService(str(tmp_path / "media"), 10_000_000)
    orphan = await _photo(media, student, 1)
    fresh = await _photo(media, student, 2, NOW - timedelta(hours=20))
    on_ticket = await _photo(media, student, 3)
    inspected = await _photo(media, student, 4)
    in_checklist = await _photo(media, student, 5)
    in_draft = await _photo(media, student, 6)
    queued = await _photo(media, student, 7)
    shared_orphan = await _photo(media, student, 4)  # the same bytes as the inspection's photo

    place = await Place.filter(kind="building").first() or await Place.first()
    ticket = await Ticket.create(number="R-20261201-0001", reporter=student, place=place,
                                 category="plumbing", description="漏水")
    await Attachment.filter(id=on_ticket.id).update(ticket_id=ticket.id)

    schedule = await import_checklist(tmp_path)
    item = await InspectionItem.filter(template_id=schedule.template_id).first()
    round_ = await InspectionRound.create(schedule=schedule, due_at=NOW)
    await InspectionAnswer.create(round=round_, item=item, ok=False, photo_ids=[inspected.id])
    await ConversationState.create(  # a dorm check-in checklist, one problem's photo nested
        key="telegram:1", flow="checkin", step="item",
        data={"results": [{"item": "bed", "ok": False, "photos": [in_checklist.id]}]})
    await ConversationState.create(key="telegram:2", flow="report", step="photos",
                                   data={"photos": [in_draft.id], "videos": []})
    await OutboxMessage.create(
        platform="telegram", chat_id="9", next_attempt_at=NOW,
        payload=Reply("video", media=Media("video", path=queued.path)).to_dict())

    assert await prune_orphan_media(tmp_path / "media", NOW) == 2
    left = set(await Attachment.all().values_list("id", flat=True))
    assert left == {fresh.id, on_ticket.id, inspected.id, in_checklist.id, in_draft.id, queued.id}
    assert not Path(orphan.path).exists()
    assert Path(shared_orphan.path).exists()  # its file is the inspection photo's too
    for kept in (fresh, on_ticket, inspected, in_checklist, in_draft, queued):
        assert Path(kept.path).exists()
    assert await prune_orphan_media(tmp_path / "media", NOW) == 0


async def test_a_draft_pruned_as_idle_frees_its_media_in_the_same_run(db, tmp_path):
    people = await seed_small_campus()
    media = MediaService(str(tmp_path / "media"), 10_000_000)
    photo = await _photo(media, people["student"], 8, NOW - timedelta(days=100))
    state = await ConversationState.create(key="telegram:3", flow="report", step="photos",
                                           data={"photos": [photo.id]})
    await ConversationState.filter(id=state.id).update(updated_at=NOW - timedelta(days=100))
    counts = await prune(90, NOW, tmp_path / "media")
    assert counts["conversations"] == 1 and counts["orphan_media"] == 1
    assert not Path(photo.path).exists() and not await Attachment.exists(id=photo.id)
