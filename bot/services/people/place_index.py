"""The in-memory index of place names: built once per change of the place table (a version row
that every writer bumps, so every process sees a change), then each look-up costs the length
of the message, not the size of the campus."""

from __future__ import annotations

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
from models.places import Place, PlaceIndexVersion

MAX_KEY_CHARS = 24  # longer names are still found whole (`find`), not inside a message
COMMON_BIGRAM = 400  # a bigram shared by more keys than this says nothing for fuzzy matching
FUZZY_CANDIDATES = 300
CONTAINER_KINDS = ("building", "area", "floor")


@dataclass
class PlaceIndex:
    """Names, building numbers and room numbers, each to the ids of the places they name."""

    names: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    numbers: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    rooms: dict[int, dict[str, list[int]]] = field(default_factory=lambda: defaultdict(dict))
    room_anywhere: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    bigrams: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    kind: dict[int, str] = field(default_factory=dict)
    parent: dict[int, int | None] = field(default_factory=dict)
    codes: dict[str, int] = field(default_factory=dict)
    starts: set[str] = field(default_factory=set)  # the first two characters of every name
    longest: int = 2

    def add(self, pid: int, kind: str, code: str, names: list[str], parent: int | None,
            parent_code: str | None) -> None:
        """Index one active place (`names`: its names and aliases, as written)."""
        self.kind[pid] = kind
        self.parent[pid] = parent
        code_key = norm(code)
        self.codes[code_key] = pid
        keys = [code_key, *(norm(n) for n in names if n)]
        for key in set(keys):
            if not key:
                continue
            _add(self.names, key, pid)
            self.starts.add(key[:2])
            if len(key) <= MAX_KEY_CHARS:
                self.longest = max(self.longest, len(key))
            if kind in CONTAINER_KINDS:
                number = numbered_building(key) or (key if key.isdigit() and kind == "building"
                                                    else None)
                if number:
                    _add(self.numbers, number_key(number), pid)
        if parent is not None:
            for key in room_keys(code_key, keys[1:], norm(parent_code or "")):
                _add(self.rooms[parent].setdefault(key, []), None, pid)
                _add(self.room_anywhere, key, pid)

    def finish(self) -> None:
        """Build the bigram postings fuzzy matching starts from."""
        for key in self.names:
            for gram in {key[i:i + 2] for i in range(max(1, len(key) - 1))}:
                self.bigrams[gram].append(key)

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
        for gram in {query[i:i + 2] for i in range(max(1, len(query) - 1))}:
            posting = self.bigrams.get(gram, ())
            if len(posting) > COMMON_BIGRAM:
                continue
            for key in posting:
                counts[key] += 1
        candidates = sorted(counts, key=lambda k: (-counts[k], len(k)))[:FUZZY_CANDIDATES]
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
        keys = list(self.rooms.get(parent, {}))[:2000]
        matches = process.extract(room, keys, scorer=fuzz.ratio, limit=limit, score_cutoff=60)
        result: list[int] = []
        for key, _score, _ in matches:
            for pid in self.rooms[parent][key]:
                if pid not in result:
                    result.append(pid)
        return result[:limit]


def _add(table: dict | list, key: str | None, pid: int) -> None:
    bucket = table if key is None else table.setdefault(key, [])  # type: ignore[union-attr]
    if pid not in bucket:
        bucket.append(pid)


def _stands_alone(text: str, start: int, end: int) -> bool:
    key = text[start:end]
    if not is_ascii_word(key):
        return True
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    if key[0].isascii() and key[0].isalnum() and before.isascii() and before.isalnum():
        return False
    return not (key[-1].isascii() and key[-1].isalnum() and after.isascii() and after.isalnum())


async def build_index() -> PlaceIndex:
    """Read every active place once and index it."""
    rows = await Place.filter(active=True).values_list(
        "id", "kind", "code", "name_zh", "name_en", "aliases", "parent_id")
    code_of = {row[0]: row[2] for row in rows}
    index = PlaceIndex()
    for pid, kind, code, zh, en, aliases, parent in rows:
        names = [zh, en, *(aliases or [])]
        index.add(pid, kind, code, names, parent, code_of.get(parent))
    index.finish()
    return index


class SharedIndex:
    """One index per process, rebuilt when the version row says the places changed (an
    import, an alias added in chat, in this process or another)."""

    def __init__(self) -> None:
        self._stamp: tuple[str, int] | None = None
        self._index: PlaceIndex | None = None

    async def get(self) -> PlaceIndex:
        """The index for the places as they are now (one primary-key read when unchanged)."""
        stamp = await PlaceIndexVersion.stamp()
        if self._index is not None and stamp == self._stamp:
            return self._index
        # the stamp is read before the places: a change made meanwhile only rebuilds again
        self._index = await build_index()
        self._stamp = stamp
        return self._index


SHARED = SharedIndex()
