"""Fonts for charts: the installed matplotlib font with Chinese glyphs, shared by every chart."""

from __future__ import annotations

from matplotlib import font_manager

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC")


def cjk_font() -> str | None:
    """The name of an installed font with Chinese glyphs, if any."""
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)
