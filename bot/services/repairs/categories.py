"""Repair categories from a TOML file (the shipped bot/categories.toml or HOUQIN_CATEGORIES_FILE):
codes, zh/en names, keywords that guess a category from free text, and the skills serving it."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "categories.toml"
FALLBACK = "other"
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class CategoryFileError(ValueError):
    """The categories file is malformed; the message names the file and the line."""


@dataclass(frozen=True)
class Category:
    """One repair category as the file defines it."""

    code: str
    name_zh: str
    name_en: str
    keywords: tuple[str, ...]
    symptoms: tuple[str, ...]
    skills: tuple[str, ...]  # empty: any worker

    def name(self, locale: str | None) -> str:
        """The name in `locale` (Chinese unless English)."""
        return self.name_en if locale == "en" else self.name_zh


@dataclass(frozen=True)
class _Keyword:
    category: str
    word: str
    weak: bool
    order: int
    pattern: re.Pattern[str] | None  # English words match whole words; Chinese by substring


class CategorySet:
    """The deployment's categories in offer order, and the keyword guesser over them."""

    def __init__(self, categories: list[Category], neutral: tuple[str, ...] = ()):
        self.categories = tuple(categories)
        self.by_code = {c.code: c for c in categories}
        self.codes: tuple[str, ...] = tuple(self.by_code)
        self.neutral = neutral
        self._keywords = [
            _Keyword(c.code, word, weak, order, _pattern(word))
            for order, c in enumerate(categories)
            for weak, words in ((False, c.keywords), (True, c.symptoms))
            for word in words
        ]

    def __contains__(self, code: object) -> bool:
        return code in self.by_code

    def or_fallback(self, code: str) -> str:
        """`code` when the deployment has it, else "other" (for tickets the bot files itself)."""
        return code if code in self.by_code else FALLBACK

    def name(self, code: str, locale: str | None) -> str:
        """The reader-visible name; a category no longer in the file shows its code."""
        category = self.by_code.get(code)
        return category.name(locale) if category else code

    def texts(self) -> dict[str, dict[str, str]]:
        """`category.<code>` catalogue entries per locale, for the translator."""
        return {
            "zh_CN": {f"category.{c.code}": c.name_zh for c in self.categories},
            "en": {f"category.{c.code}": c.name_en for c in self.categories},
        }

    def skills_for(self, code: str) -> frozenset[str] | None:
        """The worker skills serving `code`; None: any worker (also for a removed category)."""
        category = self.by_code.get(code)
        if category is None or not category.skills:
            return None
        return frozenset(category.skills)

    def serves(self, code: str, skills: list[str] | None) -> bool:
        """Whether a worker with `skills` can take a ticket of category `code`."""
        wanted = self.skills_for(code)
        return wanted is None or bool(wanted & set(skills or ()))

    def guess(self, text: str) -> str | None:
        """Guess the category of `text` from keywords; None when nothing matches. Each keyword
        is one linear substring or regex search, so the cost grows linearly with the text."""
        if not text:
            return None
        haystack = text.lower()
        for neutral in self.neutral:
            haystack = haystack.replace(neutral, " " * len(neutral))
        best: tuple[bool, int, int, int] | None = None  # (weak, -length, position, order)
        best_category: str | None = None
        for keyword in self._keywords:
            position = haystack.find(keyword.word)  # one C-speed scan; regex only if present
            if position >= 0 and keyword.pattern is not None:
                found = keyword.pattern.search(haystack, position)
                position = found.start() if found else -1
            if position < 0:
                continue
            rank = (keyword.weak, -len(keyword.word), position, keyword.order)
            if best is None or rank < best:
                best, best_category = rank, keyword.category
        return best_category


def _pattern(word: str) -> re.Pattern[str] | None:
    if not word.isascii():
        return None
    return re.compile(r"(?<![a-z0-9])" + re.escape(word) + r"(?:s|es|ed|ing|y)?(?![a-z0-9])")


def _header_lines(source: str) -> list[int]:
    """The line number of each `[[category]]` header, in order."""
    return [n for n, line in enumerate(source.splitlines(), 1)
            if re.match(r"^\s*\[\[\s*category\s*\]\]", line)]


def _line_of(source: str, start: int, word: str) -> int:
    """The first line from `start` on that quotes `word` (a keyword's line, for errors)."""
    lines = source.splitlines()
    quoted = (f'"{word}"', f"'{word}'")
    for n in range(max(start, 1), len(lines) + 1):
        if any(q in lines[n - 1] for q in quoted):
            return n
    return start


def _words(raw: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
        raise CategoryFileError(f"{where}: {key} must be a list of non-empty strings")
    return tuple(w.strip().lower() for w in value)


def parse_categories(source: str, path: str = "<categories>") -> CategorySet:
    """Validate the text of a categories file into a CategorySet (CategoryFileError if not)."""
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as err:
        raise CategoryFileError(f"{path}: {err}") from None
    raw_list = data.get("category")
    if not isinstance(raw_list, list) or not raw_list:
        raise CategoryFileError(f"{path}: no [[category]] tables")
    headers = _header_lines(source)
    owner: dict[str, str] = {}
    categories: list[Category] = []
    for index, raw in enumerate(raw_list):
        line = headers[index] if index < len(headers) else 0
        where = f"{path}:{line}"
        code = raw.get("code")
        if not isinstance(code, str) or not _CODE.match(code):
            raise CategoryFileError(f"{where}: code must be a-z, 0-9 and _ (at most 32)")
        where = f"{where} ({code})"
        if any(c.code == code for c in categories):
            raise CategoryFileError(f"{where}: code {code!r} appears twice")
        names = {k: raw.get(k) for k in ("name_zh", "name_en")}
        for key, name in names.items():
            if not isinstance(name, str) or not name.strip():
                raise CategoryFileError(f"{where}: {key} is missing")
        keywords, symptoms = _words(raw, "keywords", where), _words(raw, "symptoms", where)
        for word in (*keywords, *symptoms):
            if word in owner:
                at = _line_of(source, line, word)
                raise CategoryFileError(
                    f"{path}:{at}: keyword {word!r} is in both {owner[word]!r} and {code!r}")
            owner[word] = code
        skills = raw.get("skills", [code])
        if not isinstance(skills, list) or not all(isinstance(s, str) for s in skills):
            raise CategoryFileError(f"{where}: skills must be a list of strings")
        categories.append(Category(code, names["name_zh"].strip(), names["name_en"].strip(),
                                   keywords, symptoms, tuple(skills)))
    if not any(c.code == FALLBACK for c in categories):
        raise CategoryFileError(f"{path}: a category with code {FALLBACK!r} is required")
    neutral = data.get("neutral", [])
    if not isinstance(neutral, list) or not all(isinstance(w, str) and w for w in neutral):
        raise CategoryFileError(f"{path}: neutral must be a list of non-empty strings")
    return CategorySet(categories, tuple(w.lower() for w in neutral))


def load_categories(path: str | Path | None = None) -> CategorySet:
    """Read the categories file at `path` (the shipped file when None)."""
    file = Path(path) if path else DEFAULT_FILE
    try:
        source = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise CategoryFileError(f"{file}: cannot be read ({err})") from None
    return parse_categories(source, str(file))


@lru_cache(maxsize=1)
def shipped() -> CategorySet:
    """The shipped categories (for code paths given no deployment set)."""
    return load_categories()


def guess_category(text: str, categories: CategorySet | None = None) -> str | None:
    """Guess the repair category of `text` with `categories` (the shipped ones when None)."""
    return (categories or shipped()).guess(text)
