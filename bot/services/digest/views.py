"""Digest presentation: the settings buttons' payload and the digest as localized messages (a
short caption for the chart, then the long text)."""

from __future__ import annotations

from typing import ClassVar

from bot.core.i18n import Translator
from bot.core.payloads import Payload, payload
from bot.core.types import Reply
from bot.services.digest.chart import render_trend
from bot.services.digest.figures import Digest
from bot.services.digest.more_sections import lines as more_lines
from bot.services.fonts import cjk_font


@payload("dg")
class DigestTap(Payload):
    """A settings button, `dg:<verb>:<value>`: t delivery time ("0700"…), p switch a digest
    ("day", "week", "month"), s show or hide a section."""

    verb: str
    value: str = ""
    longest: ClassVar = ("s", "x" * 24)


STOCK_LISTED = 5  # items below minimum named; the rest counted ("and N more")
TOP_WORKERS = 10  # a month lists every worker: the busiest ten, then how many more


def _num(value: float | None, t: Translator, locale: str | None) -> str:
    if value is None:
        return t(locale, "digest.na")
    return f"{value:g}"


def span_label(d: Digest, t: Translator, locale: str | None) -> str:
    """The digest's span in words: a day, "start – end" of a week, or a month."""
    p = d.period
    if p.kind == "week":
        return t(locale, "digest.span_week", start=p.start.isoformat(),
                 end=p.last_day.isoformat())
    if p.kind == "month":
        return t(locale, "digest.span_month", year=p.start.year, month=p.start.month)
    return p.start.isoformat()


def _suffix(d: Digest) -> str:
    return "" if d.period.kind == "day" else f"_{d.period.kind}"


def caption(d: Digest, t: Translator, locale: str | None, today: bool) -> str:
    """One line under the chart: the span, new, closed, resolution SLA %."""
    key = "digest.caption_today" if today else f"digest.caption{_suffix(d)}"
    return t(locale, key, day=d.day.isoformat(), span=span_label(d, t, locale), new=d.new,
             closed=d.closed, sla=_num(d.trend[-1].sla_pct if d.trend else None, t, locale))


def chart(d: Digest, t: Translator, locale: str | None) -> bytes:
    """The trend PNG (14 days, 8 weeks or 6 months), labelled in the reader's language when a
    Chinese font exists."""
    lang = locale if cjk_font() else "en"
    labels = {k: t(lang, f"digest.chart_{k}") for k in ("new", "closed", "sla")}
    labels["title"] = t(lang, f"digest.chart_title{_suffix(d)}")
    return render_trend(d.trend, labels, d.period.kind)


def body(d: Digest, t: Translator, locale: str | None) -> str:
    """The long text: one block per chosen section."""
    def tr(key: str, **fields: object) -> str:
        return t(locale, f"digest.{key}", **fields)

    def na(value: float | None) -> str:
        return _num(value, t, locale)

    lines = [tr(f"title{_suffix(d)}", day=d.day.isoformat(), span=span_label(d, t, locale))]
    if "tickets" in d.sections:
        lines.append(tr("tickets", new=d.new, closed=d.closed, overdue=d.overdue,
                        repeats=d.repeat_failures))
    if "sla" in d.sections:
        lines.append(tr("sla", response=na(d.response_pct), resolution=na(d.resolution_pct),
                        median_response=na(d.median_response_min),
                        median_resolution=na(d.median_resolution_min)))
    if "backlog" in d.sections:
        lines.append(tr("backlog", lt1=d.backlog["lt1"], d1_3=d.backlog["d1_3"],
                        gt3=d.backlog["gt3"]))
    if "ratings" in d.sections:
        lines.append(tr("ratings", avg=na(d.rating_avg), count=d.rating_count,
                        low=d.low_ratings))
    if "top" in d.sections:
        cats = ", ".join(f"{t(locale, f'category.{c}')} {n}" for c, n in d.top_categories)
        places = ", ".join(f"{p.display(locale)} {n}" for p, n in d.top_places)
        lines.append(tr("top", categories=cats or tr("none"), places=places or tr("none")))
    if "workers" in d.sections:
        done = ", ".join(f"{p.name} {n}" for p, n in d.workers[:TOP_WORKERS])
        if len(d.workers) > TOP_WORKERS:
            done += tr("more", count=len(d.workers) - TOP_WORKERS)
        lines.append(tr("workers", list=done or tr("none")))
    if "stock" in d.sections:
        items = ", ".join(
            f"{low.level.item.display(locale)} {low.level.available}/{low.level.min_level}"
            for low in d.stock_low[:STOCK_LISTED])
        if len(d.stock_low) > STOCK_LISTED:
            items += tr("more_items", count=len(d.stock_low) - STOCK_LISTED)
        lines.append(tr("stock", count=len(d.stock_low), list=items or tr("none")))
    if "dorms" in d.sections and d.dorm_open:
        lines.append(tr("dorms", checked_in=d.dorm_checked_in, total=d.dorm_total))
    if "alerts" in d.sections:
        lines.append(tr("alerts", raised=d.alerts_raised, acked=d.alert_acked,
                        recipients=d.alert_recipients, pct=na(d.ack_pct)))
    lines += more_lines(d.more, lambda key, **f: t(locale, key, **f), locale)
    return "\n".join(lines)


def messages(d: Digest, t: Translator, locale: str | None, today: bool) -> list[Reply]:
    """The two messages of a digest: the chart with its caption, then the long text."""
    return [Reply(text=caption(d, t, locale, today), image=chart(d, t, locale)),
            Reply(text=body(d, t, locale))]
