"""The picture sent with an energy anomaly: the meter's hourly consumption over the last 48 h
(bars, the anomalous hour in red, the alert threshold dashed), rendered headless to PNG."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.services.energy.series import HOUR, Hourly
from bot.services.fonts import cjk_font

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 3.2, 100
WINDOW_HOURS = 48


def render_window(hourly: Hourly, end: datetime, marked: datetime, threshold: float | None,
                  tz: ZoneInfo, labels: dict[str, str]) -> bytes:
    """A PNG (800×320) of the 48 hours before `end` (a UTC hour start); `labels` gives the
    localized `title`, `unit` and `threshold` (English ones when `cjk_font()` finds no font
    with Chinese glyphs). Unknown hours are left empty."""
    hours = [end - timedelta(hours=WINDOW_HOURS - i) for i in range(WINDOW_HOURS)]
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(fig)  # the Agg (headless) renderer, no display and no pyplot state
    ax = fig.add_subplot(1, 1, 1)
    values = [hourly.get(h, 0.0) for h in hours]
    colors = ["#E45756" if h == marked else "#4C78A8" for h in hours]
    ax.bar(range(WINDOW_HOURS), values, 0.8, color=colors)
    if threshold is not None:
        ax.axhline(threshold, color="#F58518", linestyle="--", linewidth=1,
                   label=labels["threshold"])
    ticks = [i for i, h in enumerate(hours) if h.astimezone(tz).hour % 6 == 0]
    ax.set_xticks(ticks, [hours[i].astimezone(tz).strftime("%m-%d %H:00") for i in ticks],
                  fontsize=7)
    ax.set_xlim(-0.6, WINDOW_HOURS - 0.4)
    top = max([*values, threshold or 0.0, 0.001])
    ax.set_ylim(0, top * 1.15)
    font = cjk_font()
    family = {"fontfamily": font} if font else {}
    ax.set_ylabel(labels["unit"], fontsize=8, **family)
    ax.set_title(labels["title"], fontsize=10, **family)
    if threshold is not None:
        ax.legend(loc="upper left", prop={"size": 8, **({"family": font} if font else {})})
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def window_end(observed_at: datetime, now: datetime) -> datetime:
    """Where the 48 h window ends: now's hour, but no later than a day after the anomalous
    hour (so an old anomaly still shows it) and never before it."""
    latest = observed_at + timedelta(hours=24)
    now_hour = now.replace(minute=0, second=0, microsecond=0)
    return max(observed_at + HOUR, min(now_hour, latest))
