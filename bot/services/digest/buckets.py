"""The digest's counts split into consecutive time buckets by one GROUP BY query each: a CASE
expression names the bucket a row's timestamp falls in, so a 14-day, 8-week or 6-month trend
costs a handful of indexed range scans instead of a query per bucket and figure."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Any

from tortoise.expressions import Case, F, Q, RawSQL, When
from tortoise.functions import Count
from tortoise.queryset import QuerySet

from models.dispatch import TicketSla
from models.repairs import Ticket, TicketEvent

CLOSED_STATUSES = ("done", "closed")
MAX_RANGE_QUERIES = 8
SLA_COLUMNS = {"response": ("responded_at", "response_due"),
               "resolution": ("resolved_at", "resolution_due")}


def _bucket(column: str, edges: list[datetime]) -> Any:
    """The index i of the bucket [edges[i], edges[i+1]) holding `column` (rows already limited
    to [edges[0], edges[-1]))."""
    # literal bucket numbers: as parameters PostgreSQL would take them for text
    whens = [When(**{f"{column}__lt": edge}, then=RawSQL(str(i)))
             for i, edge in enumerate(edges[1:-1])]
    return Case(*whens, default=RawSQL(str(len(edges) - 2)))


async def per_bucket(query: QuerySet, column: str, edges: list[datetime],
                     **aggregates: Any) -> list[dict[str, int]]:
    """The `aggregates` of the rows of `query` per bucket of `column` between consecutive
    `edges` (UTC instants, ascending); an empty bucket gets zeros. Few wide buckets (weeks,
    months) are one indexed range query each; many narrow ones (days) one GROUP BY over a CASE,
    whose per-row cost is small when the rows are few."""
    if len(edges) <= MAX_RANGE_QUERIES + 1:
        out = []
        for start, end in pairwise(edges):
            row = await query.filter(**{f"{column}__gte": start, f"{column}__lt": end}).annotate(
                **aggregates).first().values(*aggregates)
            out.append({name: int((row or {}).get(name) or 0) for name in aggregates})
        return out
    rows = await query.filter(**{f"{column}__gte": edges[0], f"{column}__lt": edges[-1]}).annotate(
        bucket=_bucket(column, edges)).annotate(**aggregates).group_by("bucket").values(
        "bucket", *aggregates)
    out = [dict.fromkeys(aggregates, 0) for _ in edges[1:]]
    for row in rows:
        out[int(row["bucket"])] = {name: int(row[name] or 0) for name in aggregates}
    return out


async def new_counts(edges: list[datetime]) -> list[int]:
    """Tickets created in each bucket."""
    rows = await per_bucket(Ticket.all(), "created_at", edges, n=Count("id"))
    return [row["n"] for row in rows]


async def closed_counts(edges: list[datetime]) -> list[int]:
    """Tickets that reached done or closed in each bucket (each ticket once per bucket)."""
    rows = await per_bucket(TicketEvent.filter(to_status__in=CLOSED_STATUSES), "created_at",
                            edges, n=Count("ticket_id", distinct=True))
    return [row["n"] for row in rows]


async def sla_rates(kind: str, edges: list[datetime]) -> list[tuple[int, int]]:
    """(met, measured) per bucket for `kind` response or resolution: deadlines met by what was
    done in the bucket, out of that plus the deadlines that passed in it with nothing done."""
    done, due = SLA_COLUMNS[kind]
    met = Count("id", _filter=Q(**{f"{done}__lte": F(due)}))
    finished = await per_bucket(TicketSla.all(), done, edges, n=Count("id"), met=met)
    missed = await per_bucket(TicketSla.filter(**{f"{done}__isnull": True}), due, edges,
                              n=Count("id"))
    return [(f["met"], f["n"] + m["n"]) for f, m in zip(finished, missed, strict=True)]
