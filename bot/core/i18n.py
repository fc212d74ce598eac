"""Message catalogues: `locales/<locale>/<area>.toml`, looked up as `<area>.<key>`."""

from __future__ import annotations

import string
import tomllib
from pathlib import Path
from typing import Any

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
SUPPORTED = ("zh_CN", "en")


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


def load_catalogue(locale: str, directory: Path = LOCALES_DIR) -> dict[str, str]:
    """Read every area file of one locale into a flat `area.key -> text` dict."""
    out: dict[str, str] = {}
    for path in sorted((directory / locale).glob("*.toml")):
        with path.open("rb") as fh:
            _flatten(path.stem, tomllib.load(fh), out)
    return out


def placeholders(text: str) -> set[str]:
    """The `{name}` fields a catalogue text expects."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def normalize_locale(hint: str | None) -> str | None:
    """Map a platform language hint ('zh-hans', 'en-US', 'zh_CN') to a supported locale."""
    if not hint:
        return None
    low = hint.replace("-", "_").lower()
    if low.startswith("zh"):
        return "zh_CN"
    if low.startswith("en"):
        return "en"
    return None


class Translator:
    """Looks texts up by key in the chosen locale, falling back to the default locale."""

    def __init__(self, default: str = "zh_CN", directory: Path = LOCALES_DIR):
        self.default = default if default in SUPPORTED else "zh_CN"
        self.catalogues = {loc: load_catalogue(loc, directory) for loc in SUPPORTED}
        self.code_areas: set[str] = set()

    def extend(self, texts: dict[str, dict[str, str]], area: str | None = None) -> None:
        """Add texts that come from deployment files (per locale); a missing key of `area`
        then renders as its last part (a code), so a retired code still reads sensibly."""
        for loc, entries in texts.items():
            if loc in self.catalogues:
                self.catalogues[loc].update(entries)
        if area:
            self.code_areas.add(area)

    def has(self, key: str) -> bool:
        """True when the key exists in the default catalogue."""
        return key in self.catalogues[self.default]

    def __call__(self, locale: str | None, key: str, **fields: Any) -> str:
        """Render `key` in `locale` with `fields`; an unknown key renders as the key itself."""
        catalogue = self.catalogues.get(locale or self.default) or self.catalogues[self.default]
        text = catalogue.get(key) or self.catalogues[self.default].get(key)
        if text is None:
            area, _, code = key.partition(".")
            return code if area in self.code_areas and code else key
        return text.format(**fields) if fields else text
