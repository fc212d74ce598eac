"""The digest's picture: the trend of new vs closed tickets (bars) and SLA % (line) over 14 days,
8 weeks or 6 months, rendered headless to PNG bytes."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.services.digest.figures import TrendDay
from bot.services.fonts import cjk_font

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.0, 100
TICK_FORMATS = {"day": "%m-%d", "week": "%m-%d", "month": "%Y-%m"}  # a week by its Monday


def render_trend(days: list[TrendDay], labels: dict[str, str], kind: str = "day") -> bytes:
    """A PNG (800×400) of the trend of day, week or month buckets (`kind`); `labels` gives the
    localized `new`, `closed`, `sla` and `title` (pass English labels when `cjk_font()` finds
    no font with Chinese glyphs)."""
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)  # the Agg (headless) renderer, no display and no pyplot state
    ax = fig.add_subplot(1, 1, 1)
    xs = list(range(len(days)))
    width = 0.4
    ax.bar([x - width / 2 for x in xs], [d.new for d in days], width, label=labels["new"],
           color="#4C78A8")
    ax.bar([x + width / 2 for x in xs], [d.closed for d in days], width,
           label=labels["closed"], color="#54A24B")
    ax.set_xticks(xs, [d.day.strftime(TICK_FORMATS[kind]) for d in days],
                  rotation=45 if kind == "day" else 0, fontsize=8)
    highest = max([1, *(d.new for d in days), *(d.closed for d in days)])
    ax.set_ylim(bottom=0, top=highest * 1.35)  # room for the legend above the bars
    font = cjk_font()
    ax.set_title(labels["title"], **({"fontfamily": font} if font else {}))
    sla = ax.twinx()
    points = [(x, d.sla_pct) for x, d in zip(xs, days, strict=True) if d.sla_pct is not None]
    sla.plot([p[0] for p in points], [p[1] for p in points], color="#E45756", marker="o",
             label=labels["sla"])
    sla.set_ylim(0, 105)
    sla.set_ylabel("%")
    handles = ax.get_legend_handles_labels()
    extra = sla.get_legend_handles_labels()
    ax.legend(handles[0] + extra[0], handles[1] + extra[1], loc="upper left",
              prop={"size": 8, **({"family": font} if font else {})})
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
