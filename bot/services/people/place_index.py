"""The in-memory index of place names: built once, then patched with the places each change
names (a version row every writer bumps, and a log of the changed place ids, so every process
sees a change and re-reads only what changed); each look-up costs the length of the message,
not the size of the campus."""

from __future__ import annotations

import gc
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.services.people.place_names import (
    is_ascii_word,
    norm,
    number_key,
    numbered_building,
    room_keys,
)
from models.places import PATCH_LIMIT, Place, PlaceChange, PlaceIndexVersion

MAX_KEY_CHARS = 24  # longer names are still found whole (`find`), not inside a message
COMMON_BIGRAM = 400  # a bigram shared by more keys than this says nothing for fuzzy matching
FUZZY_CANDIDATES = 300
CONTAINER_KINDS = ("building", "area", "floor")


@dataclass(frozen=True)
class _Entry:
    """What one place put into the index (so a change takes exactly that out again)."""

    code: str
    parent: int | None
    keys: frozenset[str]
    numbers: frozenset[str]
    rooms: frozenset[str]


@dataclass
class PlaceIndex:
    """Names, building numbers and room numbers, each to the ids of the places they name (in
    id order, however the index was built)."""

    names: dict[str, list[int]] = field(default_factory=dict)
    numbers: dict[str, list[int]] = field(default_factory=dict)
    rooms: dict[int, dict[str, list[int]]] = field(default_factory=lambda: defaultdict(dict))
    room_anywhere: dict[str, list[int]] = field(default_factory=dict)
    bigrams: dict[str, dict[str, None]] = field(default_factory=lambda: defaultdict(dict))
    kind: dict[int, str] = field(default_factory=dict)
    children: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    entries: dict[int, _Entry] = field(default_factory=dict)
    starts: dict[str, int] = field(default_factory=dict)  # first two characters → names
    longest: int = 2

    def add(self, pid: int, kind: str, code: str, names: list[str], parent: int | None,
            parent_code: str | None) -> None:
        """Index one active place (`names`: its names and aliases, as written)."""
        self.kind[pid] = kind
        code_key = norm(code)
        named = [norm(n) for n in names if n]
        keys = frozenset(k for k in (code_key, *named) if k)
        numbers: set[str] = set()
        for key in keys:
            self._add_name(key, pid)
            if kind in CONTAINER_KINDS:
                number = numbered_building(key) or (key if key.isdigit() and kind == "building"
                                                    else None)
                if number:
                    numbers.add(number_key(number))
        for key in numbers:
            _add(self.numbers, key, pid)
        rooms = frozenset(room_keys(code_key, named, norm(parent_code or ""))
                          if parent is not None else ())
        if parent is not None:
            self.children[parent].add(pid)
            for key in rooms:
                _add(self.rooms[parent], key, pid)
                _add(self.room_anywhere, key, pid)
        self.entries[pid] = _Entry(code, parent, keys, frozenset(numbers), rooms)

    def remove(self, pid: int) -> None:
        """Take one place out of the index (nothing when it is not in it)."""
        entry = self.entries.pop(pid, None)
        if entry is None:
            return
        del self.kind[pid]
        for key in entry.keys:
            if _drop(self.names, key, pid):  # the last place of this name
                for gram in _grams(key):
                    self.bigrams[gram].pop(key, None)
                self.starts[key[:2]] -= 1
                if not self.starts[key[:2]]:
                    del self.starts[key[:2]]
        for key in entry.numbers:
            _drop(self.numbers, key, pid)
        if entry.parent is not None:
            self.children[entry.parent].discard(pid)
            for key in entry.rooms:
                _drop(self.rooms[entry.parent], key, pid)
                _drop(self.room_anywhere, key, pid)

    def _add_name(self, key: str, pid: int) -> None:
        if key in self.names:
            _add(self.names, key, pid)
            return
        self.names[key] = [pid]
        bigrams = self.bigrams
        for i in range(max(1, len(key) - 1)):  # a gram seen twice is set twice: no harm
            bigrams[key[i:i + 2]][key] = None
        self.starts[key[:2]] = self.starts.get(key[:2], 0) + 1
        if len(key) <= MAX_KEY_CHARS and len(key) > self.longest:
            self.longest = len(key)

    def code_of(self, pid: int) -> str | None:
        """The code of an indexed (active) place."""
        entry = self.entries.get(pid)
        return entry.code if entry else None

    def exact(self, key: str) -> list[int]:
        """The places named exactly `key` (already normalized)."""
        return list(self.names.get(key, ()))

    def scan(self, text: str) -> list[tuple[int, int, list[int]]]:
        """Every (start, end, place ids) where a name of length ≥ 2 occurs in normalized `text`,
        the longest at each start; latin names only as whole words."""
        found: list[tuple[int, int, list[int]]] = []
        for start in range(len(text)):
            if text[start:start + 2] not in self.starts:
                continue
            for end in range(min(len(text), start + self.longest), start + 1, -1):
                ids = self.names.get(text[start:end])
                if ids and _stands_alone(text, start, end):
                    found.append((start, end, list(ids)))
                    break
        return found

    def fuzzy(self, query: str, limit: int, cutoff: float = 60.0,
              containers: bool = False) -> list[int]:
        """Place ids whose names are close to `query` (rapidfuzz over the keys sharing a
        bigram with it, at most FUZZY_CANDIDATES of them); only buildings and areas when
        `containers`."""
        if not query:
            return []
        counts: dict[str, int] = defaultdict(int)
        for gram in _grams(query):
            posting = self.bigrams.get(gram, ())
            if len(posting) > COMMON_BIGRAM:
                continue
            for key in posting:
                counts[key] += 1
        # ties by the key itself: the same candidates however the index was built or patched
        candidates = sorted(counts, key=lambda k: (-counts[k], len(k), k))[:FUZZY_CANDIDATES]
        # a short query is a name on its own ("3号搂"): compared whole, so 3号楼 beats 3号楼402
        scorer = fuzz.ratio if len(query) <= 6 else fuzz.WRatio if len(query) <= 12 else (
            fuzz.partial_ratio)
        result: list[int] = []
        scored = process.extract(query, candidates, scorer=scorer, limit=limit * 5,
                                 score_cutoff=cutoff)
        # equal scores: the name closest in length first ("3号搂" → 3号楼 before 3号楼402)
        scored.sort(key=lambda hit: (-hit[1], abs(len(hit[0]) - len(query))))
        for key, _score, _ in scored:
            for pid in self.names[key]:
                if pid not in result and (not containers or self.kind[pid] in CONTAINER_KINDS):
                    result.append(pid)
        return result[:limit]

    def close_rooms(self, parent: int, room: str, limit: int) -> list[int]:
        """Rooms of `parent` whose numbers are close to `room`."""
        keys = sorted(self.rooms.get(parent, {}))[:2000]
        matches = process.extract(room, keys, scorer=fuzz.ratio, limit=limit, score_cutoff=60)
        result: list[int] = []
        for key, _score, _ in matches:
            for pid in self.rooms[parent][key]:
                if pid not in result:
                    result.append(pid)
        return result[:limit]


def _grams(key: str) -> set[str]:
    return {key[i:i + 2] for i in range(max(1, len(key) - 1))}


def _add(table: dict[str, list[int]], key: str, pid: int) -> None:
    bucket = table.setdefault(key, [])
    # ids in order: appended when built in id order, inserted when patched
    if not bucket or bucket[-1] < pid:
        bucket.append(pid)
    else:
        at = bisect_left(bucket, pid)
        if at == len(bucket) or bucket[at] != pid:
            bucket.insert(at, pid)


def _drop(table: dict[str, list[int]], key: str, pid: int) -> bool:
    """Take `pid` from the bucket `key`; True when that emptied (and deleted) it."""
    bucket = table.get(key)
    if bucket is None:
        return False
    at = bisect_left(bucket, pid)
    if at < len(bucket) and bucket[at] == pid:
        del bucket[at]
    if bucket:
        return False
    del table[key]
    return True


def _stands_alone(text: str, start: int, end: int) -> bool:
    key = text[start:end]
    if not is_ascii_word(key):
        return True
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    if key[0].isascii() and key[0].isalnum() and before.isascii() and before.isalnum():
        return False
    return not (key[-1].isascii() and key[-1].isalnum() and after.isascii() and after.isalnum())


_COLUMNS = ("id", "kind", "code", "name_zh", "name_en", "aliases", "parent_id", "active")


async def build_index() -> PlaceIndex:
    """Read every active place once (in id order) and index it."""
    rows = await Place.filter(active=True).order_by("id").values_list(*_COLUMNS)
    code_of = {row[0]: row[2] for row in rows}
    index = PlaceIndex()
    # hundreds of thousands of small objects that all live on: the cyclic collector would
    # walk the growing index again and again (a third of the build at 30 000 places)
    collecting = gc.isenabled()
    gc.disable()
    try:
        for pid, kind, code, zh, en, aliases, parent, _active in rows:
            index.add(pid, kind, code, [zh, en, *(aliases or [])], parent, code_of.get(parent))
    finally:
        if collecting:
            gc.enable()
    return index


async def patch_index(index: PlaceIndex, ids: set[int]) -> None:
    """Re-read the places `ids` (changed, deactivated or deleted) and put them into the index
    as they are now; their indexed children too when a place's code or presence changed (a
    room's numbers depend on its building's code)."""
    rows = {row[0]: row for row in await Place.filter(id__in=ids).values_list(*_COLUMNS)}
    kept = {pid: row for pid, row in rows.items() if row[7]}
    affected = set(ids)
    for pid in ids:
        if pid in index.children and (pid not in kept or index.code_of(pid) != kept[pid][2]):
            affected |= index.children[pid]
    if affected - ids:
        children = Place.filter(id__in=affected - ids, active=True)
        kept.update((row[0], row) for row in await children.values_list(*_COLUMNS))
    for pid in affected:
        index.remove(pid)
    for pid in sorted(kept):
        _pid, kind, code, zh, en, aliases, parent, _active = kept[pid]
        parent_code = kept[parent][2] if parent in kept else index.code_of(parent)
        index.add(pid, kind, code, [zh, en, *(aliases or [])], parent, parent_code)


class SharedIndex:
    """One index per process, brought up to date when the version row says the places
    changed (an alias added in chat, a place saved, in this process or another): patched
    with the places the change log names, rebuilt in full after a large import (a new
    generation) or when the log no longer reaches back to this index's version."""

    def __init__(self) -> None:
        self._stamp: tuple[str, int] | None = None
        self._index: PlaceIndex | None = None
        self.full_builds = 0  # how often this index was built from scratch (tests, bench)

    async def get(self) -> PlaceIndex:
        """The index for the places as they are now (one primary-key read when unchanged)."""
        stamp = await PlaceIndexVersion.stamp()
        index, seen = self._index, self._stamp
        if index is not None and stamp == seen:
            return index
        # the stamp is read before the places: a change made meanwhile only patches again
        if index is not None and seen is not None and await _patch(index, seen, stamp):
            fresh = index
        else:
            fresh = await build_index()
            self.full_builds += 1
        # a look-up running alongside may have put a newer index in place meanwhile: keep it
        if self._index is index:
            self._index, self._stamp = fresh, stamp
        return fresh


async def _patch(index: PlaceIndex, seen: tuple[str, int], stamp: tuple[str, int]) -> bool:
    """Apply the changes logged after `seen` up to `stamp` to `index`; False when only a full
    build will do (a new generation, too many changes, or the log pruned past `seen`)."""
    if stamp[0] != seen[0] or not 0 < stamp[1] - seen[1] <= PATCH_LIMIT:
        return False
    logged = await PlaceChange.filter(version__gt=seen[1], version__lte=stamp[1]).values_list(
        "version", "place_id")
    if len(logged) != stamp[1] - seen[1]:
        return False
    await patch_index(index, {pid for _version, pid in logged})
    return True


SHARED = SharedIndex()
