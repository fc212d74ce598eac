"""The asset check (资产回访): each month (HOUQIN_ASSET_CHECK_DAY/HOUR, local time) every keeper is
sent the assets in their care, grouped by place and paged, to confirm each one in place, missing
or damaged (damaged files a repair ticket on the asset). Lists still open after
HOUQIN_ASSET_CHECK_REMIND_DAYS are reminded, after as long again the managers get the round's
summary with who is late. A manager may start an ad-hoc round for one place or department.

Every step's state is in the database (a round per month by its unique key, each list's sent /
reminded / reported times) and every push carries an idempotency key, so a restart or a second
instance neither sends anything twice nor loses it. A new monthly round closes the earlier ones:
late answers to them are refused and change nothing."""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from bot.core.errors import InvalidState, NotFound, PermissionDenied, ServiceError, require_role
from bot.core.types import Address, Button, Reply
from bot.delivery.notifier import PRIORITY_BULK, PRIORITY_DEFAULT, PRIORITY_STAFF_ALERT
from bot.services.assets.check_views import (
    CheckLine,
    CheckPage,
    DepartmentFigures,
    RoundSummary,
    Translate,
    orphans_view,
    page_view,
    summary_view,
)
from bot.services.assets.service import EDIT_ROLES, MAX_REASON, change_status
from models.assets import CHECK_ANSWERS, Asset, AssetCheckItem, AssetCheckList, AssetCheckRound
from models.people import Identity, Person
from models.places import Place, Zone

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.services.container import Services

View = tuple[str, list[list[Button]]]


async def department_of(keeper: Person | None, place: Place) -> str:
    """Whose the asset is for the summary: the keeper's department, else the place's zone (a
    room's is its building's)."""
    from bot.services.repairs import place_zone  # repairs imports assets: bound when called

    return ((keeper.department if keeper else None) or await place_zone(place) or "")[:100]


class AssetCheckService:
    """Rounds, the keepers' answers and the pushes of the asset check."""

    def __init__(self, services: Services):
        self.services = services
        self.settings = services.settings
        self.notifier = services.notifier
        self.tz = ZoneInfo(services.settings.timezone)

    # --- starting a round ------------------------------------------------------------------

    async def open_month(self, now: datetime) -> AssetCheckRound | None:
        """This month's round once its day and hour have come, and no later than
        `remind_days` after (a bot switched off longer skips the month; a fresh install does
        not start mid-month). None: not due, already open, or switched off. Earlier rounds are
        closed by it."""
        if not self.settings.asset_check_enabled:
            return None
        local = now.astimezone(self.tz)
        due = local.replace(day=self.settings.asset_check_day, hour=self.settings.asset_check_hour,
                            minute=0, second=0, microsecond=0)
        key = f"m:{local:%Y-%m}"
        grace = timedelta(days=self.settings.asset_check_remind_days)
        if not due <= local < due + grace or await AssetCheckRound.exists(key=key):
            return None
        assets = await Asset.filter(status__not="disposed").order_by("id")
        if not assets:
            return None
        try:
            check = await self._create(key, "monthly", assets, now)
        except IntegrityError:  # another instance opened it meanwhile
            return None
        await self.close_older(now)
        return check

    async def close_older(self, now: datetime) -> int:
        """Close every round started before the newest monthly one (run again on each tick,
        so a crash right after opening a round cannot leave the old one open)."""
        newest = await AssetCheckRound.filter(kind="monthly").order_by("-started_at", "-id") \
            .first()
        if newest is None:
            return 0
        return await AssetCheckRound.filter(closed_at=None, id__not=newest.id,
                                            started_at__lte=newest.started_at) \
            .update(closed_at=now)

    async def start_adhoc(self, actor: Person, place: Place | None = None,
                          department: str | None = None, now: datetime | None = None
                          ) -> AssetCheckRound:
        """A manager's round for one place (and the places inside it) or one department, sent
        out at once."""
        require_role(actor, *EDIT_ROLES)
        now = now or datetime.now(UTC)
        department = " ".join((department or "").split())[:100]
        assets = await Asset.filter(status__not="disposed").order_by("id") \
            .prefetch_related("place", "responsible")
        if place is not None:
            inside = await self._inside(place)
            assets = [a for a in assets if a.place_id in inside]  # type: ignore[attr-defined]
        elif department:
            # a department as written, or a zone by its code or either name (南区 / North)
            wanted = {department.lower(), (await self.services.places.zone_code(department)
                                           or department).lower()}
            assets = [a for a in assets
                      if (await department_of(a.responsible, a.place)).lower() in wanted]
        else:
            raise ServiceError("asset_check.usage")
        if not assets:
            raise NotFound("asset_check.nothing_to_check")
        key = f"a:{actor.id}:{secrets.token_hex(8)}"  # ad-hoc rounds may overlap
        check = await self._create(key, "adhoc", assets, now, actor=actor, place=place,
                                   department=department or None)
        await self.fan_out(check, now)
        return check

    async def _inside(self, place: Place) -> set[int]:
        """The place and every place below it (a building's floors and rooms)."""
        found, layer = {place.id}, [place.id]
        while layer:
            layer = [pid for pid in await Place.filter(parent_id__in=layer)
                     .values_list("id", flat=True) if pid not in found]
            found.update(layer)
        return found

    async def _create(self, key: str, kind: str, assets: list[Asset], now: datetime, *,
                      actor: Person | None = None, place: Place | None = None,
                      department: str | None = None) -> AssetCheckRound:
        """The round with a list per keeper (assets without one form the orphan list)."""
        by_keeper: dict[int | None, list[Asset]] = defaultdict(list)
        for asset in assets:
            by_keeper[asset.responsible_id].append(asset)  # type: ignore[attr-defined]
        keepers = {p.id: p for p in await Person.filter(id__in=[k for k in by_keeper if k])}
        places = {p.id: p for p in await Place.filter(
            id__in={a.place_id for a in assets})}  # type: ignore[attr-defined]
        async with in_transaction():
            check = await AssetCheckRound.create(key=key, kind=kind, started_at=now,
                                                 started_by=actor, place=place,
                                                 department=department)
            for keeper_id, kept in by_keeper.items():
                keeper = keepers.get(keeper_id) if keeper_id else None
                sheet = await AssetCheckList.create(round=check, person=keeper)
                await AssetCheckItem.bulk_create([
                    AssetCheckItem(round=check, sheet=sheet, asset=asset,
                                   department=await department_of(
                                       keeper, places[asset.place_id]))  # type: ignore
                    for asset in kept
                ])
        return check

    # --- sending, reminding, reporting -------------------------------------------------------

    def _t(self, locale: str | None) -> Translate:
        return lambda key, **fields: self.notifier.translator(locale, key, **fields)

    async def _push(self, person: Person, key: str, render: Callable[[Translate, str | None],
                    View], priority: int) -> int:
        """Send a rendered message to each of the person's chats once (per idempotency key)."""
        body, buttons = render(self._t(person.locale), person.locale)
        identities = await Identity.filter(person_id=person.id)
        for ident in identities:
            await self.notifier.send(Address(ident.platform, ident.chat_id),
                                     Reply(text=body, buttons=buttons), priority,
                                     idempotency_key=f"{key}:{ident.id}", notify=True)
        return len(identities)

    async def _reachable(self, person: Person | None) -> bool:
        return bool(person and person.active and await Identity.exists(person_id=person.id))

    async def fan_out(self, check: AssetCheckRound, now: datetime) -> int:
        """Send each keeper not yet sent their first page; lists nobody can answer go to the
        managers once. How many lists were sent."""
        sent = 0
        for sheet in await AssetCheckList.filter(round_id=check.id, sent_at=None) \
                .prefetch_related("person"):
            if not await self._reachable(sheet.person):
                await AssetCheckList.filter(id=sheet.id).update(orphan=True, sent_at=now)
                continue
            page = await self._page(sheet, check, 1)
            await self._push(sheet.person, f"ac:{sheet.id}:list",
                             lambda t, loc, page=page: page_view(page, t, loc), PRIORITY_DEFAULT)
            await AssetCheckList.filter(id=sheet.id).update(sent_at=now)
            sent += 1
        if check.orphans_told_at is None and await AssetCheckList.exists(round_id=check.id,
                                                                         orphan=True):
            await self._tell_orphans(check)
            await AssetCheckRound.filter(id=check.id).update(orphans_told_at=now)
            check.orphans_told_at = now
        return sent

    async def _tell_orphans(self, check: AssetCheckRound) -> None:
        items = await AssetCheckItem.filter(round_id=check.id, sheet__orphan=True) \
            .prefetch_related("asset__place", "asset__responsible").order_by("id")
        lines = [(i.asset, i.asset.place, i.asset.responsible.name if i.asset.responsible
                  else "") for i in items]
        for manager in await self.services.people.with_role("manager"):
            await self._push(manager, f"ac:{check.id}:orphans",
                             lambda t, loc: (orphans_view(check, lines, t, loc), []),
                             PRIORITY_STAFF_ALERT)

    async def remind(self, now: datetime) -> int:
        """Remind the keepers whose list is still open `remind_days` after it went out."""
        before = now - timedelta(days=self.settings.asset_check_remind_days)
        sheets = await AssetCheckList.filter(
            round__closed_at=None, orphan=False, done_at=None, reminded_at=None,
            sent_at__lte=before,
        ).prefetch_related("person", "round")
        reminded = 0
        for sheet in sheets:
            if await self._reachable(sheet.person):  # not one who left meanwhile
                page = await self._page(sheet, sheet.round, 1)
                await self._push(sheet.person, f"ac:{sheet.id}:remind",
                                 lambda t, loc, page=page: page_view(
                                     page, t, loc, "asset_check.reminder_title"),
                                 PRIORITY_BULK)
            await AssetCheckList.filter(id=sheet.id).update(reminded_at=now)
            reminded += 1
        return reminded

    async def report(self, now: datetime) -> int:
        """Send the managers each open round's summary once its lists are all answered, or
        twice `remind_days` after it started (the late keepers named); how many rounds."""
        late = now - 2 * timedelta(days=self.settings.asset_check_remind_days)
        reported = 0
        for check in await AssetCheckRound.filter(closed_at=None, summary_sent_at=None):
            waiting = await AssetCheckList.filter(round_id=check.id, orphan=False,
                                                  done_at=None).exists()
            if waiting and check.started_at > late:
                continue
            summary = await round_summary(check)
            for manager in await self.services.people.with_role("manager"):
                await self._push(manager, f"ac:{check.id}:summary",
                                 lambda t, loc, s=summary: (summary_view(s, t, loc), []),
                                 PRIORITY_STAFF_ALERT)
            await AssetCheckList.filter(round_id=check.id, orphan=False, done_at=None) \
                .update(reported_at=now)
            await AssetCheckRound.filter(id=check.id).update(summary_sent_at=now)
            reported += 1
        return reported

    async def tick(self, now: datetime | None = None) -> int:
        """The scheduler's work: open this month's round, send what is unsent, remind, report;
        how many messages' worth of steps were taken."""
        now = now or datetime.now(UTC)
        await self.open_month(now)
        await self.close_older(now)
        done = 0
        for check in await AssetCheckRound.filter(closed_at=None).order_by("id"):
            done += await self.fan_out(check, now)
        return done + await self.remind(now) + await self.report(now)

    # --- a keeper's list and answers ----------------------------------------------------------

    async def _lines(self, sheet: AssetCheckList) -> list[CheckLine]:
        """The list's assets at their current places, by place then code."""
        items = await AssetCheckItem.filter(sheet_id=sheet.id).prefetch_related("asset")
        places = {p.id: p for p in await Place.filter(
            id__in={i.asset.place_id for i in items})}  # type: ignore[attr-defined]
        return sorted((CheckLine(i, i.asset, places[i.asset.place_id])  # type: ignore
                       for i in items), key=lambda line: (line.place.code, line.asset.code))

    async def _page(self, sheet: AssetCheckList, check: AssetCheckRound, page: int,
                    item_id: int | None = None) -> CheckPage:
        """Page `page` of the list, or the page `item_id` is on now."""
        lines = await self._lines(sheet)
        size = self.settings.asset_check_page_size
        if item_id is not None:
            at = next((i for i, line in enumerate(lines) if line.item.id == item_id), 0)
            page = at // size + 1
        pages = max(1, -(-len(lines) // size))
        page = min(max(1, page), pages)
        return CheckPage(check, sheet, lines[(page - 1) * size: page * size], page, pages,
                         len(lines), sum(1 for line in lines if line.item.answer))

    async def _own_sheet(self, person: Person, sheet_id: int) -> tuple[AssetCheckList,
                                                                       AssetCheckRound]:
        sheet = await AssetCheckList.get_or_none(id=sheet_id).prefetch_related("round")
        if sheet is None:
            raise NotFound("asset_check.unknown")
        if sheet.person_id != person.id:  # type: ignore[attr-defined]
            raise PermissionDenied()
        return sheet, sheet.round

    async def page(self, person: Person, sheet_id: int, page: int = 1) -> CheckPage:
        """One page of the person's own list (shown closed once the round is over)."""
        sheet, check = await self._own_sheet(person, sheet_id)
        return await self._page(sheet, check, page)

    async def page_with(self, person: Person, item: AssetCheckItem) -> CheckPage:
        """The page of the person's own list that shows `item` now."""
        sheet, check = await self._own_sheet(person, item.sheet_id)  # type: ignore[attr-defined]
        return await self._page(sheet, check, 1, item.id)

    async def started(self, check: AssetCheckRound) -> tuple[int, int, int]:
        """A round's assets, the lists sent out and the lists nobody can answer."""
        return (await AssetCheckItem.filter(round_id=check.id).count(),
                await AssetCheckList.filter(round_id=check.id, orphan=False,
                                            sent_at__isnull=False).count(),
                await AssetCheckList.filter(round_id=check.id, orphan=True).count())

    async def own_item(self, person: Person, item_id: int) -> AssetCheckItem:
        """An item of the person's own list in a round still open (else refused)."""
        item = await AssetCheckItem.get_or_none(id=item_id).prefetch_related("asset")
        if item is None:
            raise NotFound("asset_check.unknown")
        _, check = await self._own_sheet(person, item.sheet_id)  # type: ignore[attr-defined]
        if check.closed_at is not None:
            raise InvalidState("asset_check.closed_answer")
        return item

    async def answer(self, person: Person, item_id: int, answer: str, note: str = "",
                     photo_ids: list[int] | None = None, now: datetime | None = None
                     ) -> AssetCheckItem:
        """The keeper's answer for one asset: in place, missing, or damaged (a note and/or
        photos, filed as a repair ticket on the asset); the asset's status follows."""
        now = now or datetime.now(UTC)
        if answer not in CHECK_ANSWERS:
            raise ServiceError("asset_check.bad_answer")
        note = " ".join((note or "").split())[:MAX_REASON]
        if answer == "damaged" and not (note or photo_ids):
            raise ServiceError("asset_check.need_evidence")
        item = await self.own_item(person, item_id)
        if item.answer == "damaged":
            raise InvalidState("asset_check.already_damaged", code=item.asset.code)
        asset = await Asset.get(id=item.asset.id)  # its status and place now
        # claim the answer first, so a double tap on Damaged cannot file two tickets
        claimed = await AssetCheckItem.filter(id=item.id, answer=item.answer).update(
            answer=answer, note=note or None, answered_by_id=person.id, answered_at=now)
        if not claimed:
            raise InvalidState("asset_check.changed_meanwhile", code=asset.code)
        try:
            ticket_id = None if asset.status == "disposed" else await self._apply(
                person, asset, answer, note, photo_ids or [], now)
        except Exception:
            await AssetCheckItem.filter(id=item.id).update(
                answer=item.answer, note=item.note, answered_by_id=item.answered_by_id,
                answered_at=item.answered_at)  # type: ignore[attr-defined]
            raise
        if ticket_id is not None:
            await AssetCheckItem.filter(id=item.id).update(ticket_id=ticket_id)
        await self._maybe_done(item.sheet_id, now)  # type: ignore[attr-defined]
        return await AssetCheckItem.get(id=item.id).prefetch_related("asset", "ticket")

    async def _apply(self, person: Person, asset: Asset, answer: str, note: str,
                     photo_ids: list[int], now: datetime) -> int | None:
        """The asset's status and history after an answer; the repair ticket's id if one."""
        if answer == "in_place":
            if asset.status == "missing":
                await change_status(asset, person, "in_use", "found", now)
            return None
        if answer == "missing":
            if asset.status != "missing":
                await change_status(asset, person, "missing", "missing", now, note)
            return None
        place = await Place.get(id=asset.place_id)  # type: ignore[attr-defined]
        await change_status(asset, person, "damaged", "damaged", now, note)
        description = f"[资产回访 / asset check] {asset.code} {asset.name_zh} / {asset.name_en}: " \
                      f"{note or '-'}"
        ticket = await self.services.repairs.create(
            person, place, self.services.repairs.categories.or_fallback(asset.category or "other"),
            description, "normal", photo_ids, now, asset=asset)
        await self.services.dispatch.on_ticket_created(ticket, now)
        return ticket.id

    async def all_in_place(self, person: Person, sheet_id: int, page: int,
                           now: datetime | None = None) -> int:
        """Answer in place for every asset still open on one page of the person's list."""
        now = now or datetime.now(UTC)
        sheet, check = await self._own_sheet(person, sheet_id)
        if check.closed_at is not None:
            raise InvalidState("asset_check.closed_answer")
        shown = await self._page(sheet, check, page)
        done = 0
        for line in shown.lines:
            if line.item.answer is None:
                await self.answer(person, line.item.id, "in_place", now=now)
                done += 1
        return done

    async def _maybe_done(self, sheet_id: int, now: datetime) -> None:
        if not await AssetCheckItem.filter(sheet_id=sheet_id, answer=None).exists():
            await AssetCheckList.filter(id=sheet_id, done_at=None).update(done_at=now)


async def round_summary(check: AssetCheckRound) -> RoundSummary:
    """The round in numbers: answered, missing and damaged assets, each department's share,
    the keepers with assets still unanswered and how many lists nobody could be asked."""
    summary = RoundSummary(check)
    items = await AssetCheckItem.filter(round_id=check.id).prefetch_related("asset", "sheet")
    late: dict[int, int] = defaultdict(int)
    for item in items:
        figures = summary.departments.setdefault(item.department, DepartmentFigures())
        figures.total += 1
        summary.total += 1
        if item.answer:
            figures.answered += 1
            summary.answered += 1
        if item.answer == "missing":
            figures.missing += 1
            summary.missing.append(item.asset)
        elif item.answer == "damaged":
            figures.damaged += 1
            summary.damaged.append(item.asset)
        elif item.answer is None and not item.sheet.orphan and item.sheet.person_id:
            late[item.sheet.person_id] += 1  # type: ignore[attr-defined]
    names = {p.id: p.name for p in await Person.filter(id__in=list(late))}
    summary.unanswered = [(names.get(pid, "?"), count) for pid, count in sorted(late.items())]
    summary.orphans = await AssetCheckList.filter(round_id=check.id, orphan=True).count()
    summary.zones = {z.code: (z.name_zh, z.name_en) for z in await Zone.filter(
        code__in=list(summary.departments))}
    return summary
