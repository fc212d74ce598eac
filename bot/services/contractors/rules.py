"""Contractor scoring rules: what a service unit, its criteria, a score and a comment may be."""

from __future__ import annotations

from bot.core.errors import InvalidState

MIN_CRITERIA, MAX_CRITERIA = 3, 6
MAX_NAME, MAX_CRITERION, MAX_TEXT, MAX_COMMENT = 100, 64, 500, 500
SCORES = range(1, 6)
SATISFIED = 4  # a score of 4 or 5 counts as satisfied


def split_items(text: str) -> list[str]:
    """The non-empty, de-duplicated items of "a, b、c" (ASCII or Chinese commas), in order."""
    items: list[str] = []
    for raw in text.replace("，", ",").replace("、", ",").split(","):
        item = " ".join(raw.split())
        if item and item not in items:
            items.append(item)
    return items


def check_name(name: str) -> str:
    """A unit's name: 1–100 characters."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise InvalidState("contractors.bad_name", limit=MAX_NAME)
    return name


def check_text(text: str) -> str:
    """A unit's scope or contacts: at most 500 characters."""
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise InvalidState("contractors.text_too_long", limit=MAX_TEXT)
    return text


def check_departments(text: str) -> list[str]:
    """At least one department name (each at most 100 characters)."""
    departments = split_items(text)
    if not departments or any(len(d) > MAX_NAME for d in departments):
        raise InvalidState("contractors.bad_departments")
    return departments


def check_criteria(text: str) -> list[str]:
    """3 to 6 criteria names, each at most 64 characters."""
    criteria = split_items(text)
    if not MIN_CRITERIA <= len(criteria) <= MAX_CRITERIA or any(
            len(c) > MAX_CRITERION for c in criteria):
        raise InvalidState("contractors.bad_criteria", low=MIN_CRITERIA, high=MAX_CRITERIA,
                           limit=MAX_CRITERION)
    return criteria


def check_score(score: int) -> int:
    """A score 1–5."""
    if score not in SCORES:
        raise InvalidState("contractors.bad_score")
    return score


def check_comment(text: str | None) -> str | None:
    """An optional comment of at most 500 characters (empty: none)."""
    text = (text or "").strip()
    if len(text) > MAX_COMMENT:
        raise InvalidState("contractors.comment_too_long", limit=MAX_COMMENT, length=len(text))
    return text or None
