"""The stock search index: each active item's terms in an indexed table, kept in step on save,
so a search reads a bounded candidate set instead of every item."""

from __future__ import annotations

import re
from collections import Counter

from tortoise.expressions import Subquery
from tortoise.signals import post_save

from bot.services.stock.search import _CJK, compact, norm, singular
from models.stock import Item, ItemTerm

TERM_MAX = 24
PER_TERM = 200  # postings read per query term: the cost of a search does not grow with stock
CANDIDATES = 60
_ASCII_WORD = re.compile(r"[a-z0-9]+")


def terms_of(text: str) -> set[str]:
    """The search terms of a name or query: its compact form, each Chinese character and
    character pair, each English word (singular) with its first two letters and trigrams."""
    whole = compact(text)
    if not whole:
        return set()
    out = {whole[:TERM_MAX]}
    chars = [c for c in whole if _CJK.match(c)]
    cjk = "".join(chars)
    out.update(chars)
    out.update(cjk[i : i + 2] for i in range(len(cjk) - 1))
    for word in _ASCII_WORD.findall(norm(text)):
        for form in {word, singular(word)}:
            out.add(form[:TERM_MAX])
            out.add(form[:2])
            out.update(form[i : i + 3] for i in range(len(form) - 2))
    return out


def item_terms(item: Item) -> set[str]:
    """Every term of an item's code, names and aliases."""
    found: set[str] = set()
    for name in (item.code, item.name_zh, item.name_en, *(item.aliases or [])):
        found |= terms_of(name or "")
    return found


async def reindex(item: Item) -> None:
    """Replace an item's terms (an inactive item has none)."""
    await ItemTerm.filter(item_id=item.id).delete()
    if item.active:
        await ItemTerm.bulk_create([ItemTerm(item_id=item.id, term=t) for t in item_terms(item)])


@post_save(Item)
async def _item_saved(sender: type[Item], instance: Item, created: bool, using_db: object,
                      update_fields: list[str] | None) -> None:
    """Every save of an item (create, edit, deactivate, import) refreshes its terms."""
    await reindex(instance)


async def ensure_index() -> int:
    """Index items saved before the index existed (after the upgrade); returns how many."""
    indexed = Subquery(ItemTerm.all().values("item_id"))
    missing = await Item.filter(active=True).exclude(id__in=indexed)
    for item in missing:
        await reindex(item)
    return len(missing)


async def candidates(query: str, limit: int = CANDIDATES) -> list[Item]:
    """Active items sharing the most terms with `query`, at most `limit`: an index read of at
    most PER_TERM rows per query term."""
    hits: Counter[int] = Counter()
    for term in terms_of(query):
        ids = await ItemTerm.filter(term=term).limit(PER_TERM).values_list("item_id", flat=True)
        hits.update(set(ids))
    best = [item_id for item_id, _ in hits.most_common(limit)]
    return await Item.filter(id__in=best, active=True) if best else []
