"""The managers' ranking chart: each worker's overall score as a horizontal bar, best on top,
rendered headless to PNG bytes."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.services.fonts import cjk_font

CHARTED = 20  # the best twenty; the text lists everyone
DPI = 100


def render_ranking(rows: list[tuple[str, float]], title: str, axis: str) -> bytes:
    """A PNG of (name, score 0–100) bars in the given order, best first; `title` and `axis`
    are localized (pass English ones without a Chinese font). Without a Chinese font a name
    that needs one is shown as its rank (#3), which the ranking text names."""
    font = cjk_font()
    rows = [(name if font or name.isascii() else f"#{rank}", score)
            for rank, (name, score) in enumerate(rows[:CHARTED], start=1)]
    height = 1.2 + 0.35 * max(1, len(rows))
    fig = Figure(figsize=(8.0, height), dpi=DPI)
    FigureCanvasAgg(fig)  # the Agg (headless) renderer, no display and no pyplot state
    ax = fig.add_subplot(1, 1, 1)
    family = {"fontfamily": font} if font else {}
    ys = list(range(len(rows)))[::-1]
    ax.barh(ys, [score for _, score in rows], color="#4C78A8")
    ax.set_yticks(ys, [name for name, _ in rows], **family)
    for y, (_, score) in zip(ys, rows, strict=True):
        ax.text(score + 1, y, f"{score:g}", va="center", fontsize=8)
    ax.set_xlim(0, 110)
    ax.set_xlabel(axis, **family)
    ax.set_title(title, **family)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
