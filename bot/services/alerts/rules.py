"""The rules of an alert that need no database: who may send, how answers rank, the limits,
the once-only message keys and how the not-answered are grouped by building."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from models.people import Person

SENDER_ROLES = ("manager",)  # admins hold every role
MAX_DETAILS = 1000
MAX_NOTE = 1000
ANSWER_RANK = {"pending": 0, "received": 1, "safe": 2, "help": 2}


@dataclass
class PlaceGroup:
    """People who have not answered, in one building (code or zone; "" when unknown)."""

    place: str
    people: list[Person]


def message_key(alert_id: int, tag: str, person_id: int, identity_id: int) -> str:
    """The once-only key of one alert message to one identity ("r0" first send, "r2" second
    re-push, "c" the all-clear)."""
    return f"alert:{alert_id}:{tag}:{person_id}:{identity_id}"


def round_of(tag: str) -> int:
    """The re-push round a message tag stands for ("r2" → 2; the first send and "c" → 0)."""
    return int(tag[1:]) if tag.startswith("r") else 0


def effective_answer(answer: str, evacuation: bool) -> str:
    """The answer as recorded: without evacuation, "safe" and "help" mean "received"."""
    if answer in ("safe", "help") and not evacuation:
        return "received"
    return answer


def moves_forward(previous: str, answer: str) -> bool:
    """Whether `answer` changes a recipient's `previous` one (never back, e.g. safe → received;
    safe and help may swap)."""
    return previous != answer and ANSWER_RANK[answer] >= ANSWER_RANK[previous]


def group_by_place(pending: Iterable[tuple[str, Person]]) -> list[PlaceGroup]:
    """(place, person) pairs of the not-answered as groups by place, people by name, the
    groups by place code with the unknown place last."""
    groups: dict[str, list[Person]] = {}
    for place, person in sorted(pending, key=lambda pair: pair[1].name):
        groups.setdefault(place, []).append(person)
    order = sorted(groups, key=lambda place: (place == "", place))
    return [PlaceGroup(place, groups[place]) for place in order]
