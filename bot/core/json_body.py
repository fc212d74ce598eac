"""Reading a JSON request body safely: one parser for every HTTP API, with a nesting limit."""

from __future__ import annotations

from typing import Any

import orjson

MAX_DEPTH = 32  # no request of ours nests deeper than a few levels


class BadJson(ValueError):
    """The body is not JSON, or nests deeper than MAX_DEPTH."""


def parse_json(raw: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """The parsed body; BadJson when it is not valid JSON or nests deeper than `max_depth`
    (a `[[[[…]]]]` bomb is refused without recursion, so it cannot reach a 500)."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadJson("not valid JSON") from exc
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > max_depth:
                raise BadJson(f"nested deeper than {max_depth} levels")
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items if isinstance(item, dict | list))
    return data
