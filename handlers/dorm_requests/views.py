"""Rendering dorm requests for students and dorm admins (always through the translator)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.core.context import Context
from bot.core.types import Button
from bot.services.dorm_requests import (
    RequestStudentAction,
    RequestView,
    decision_buttons,
    request_card,
    request_fields,
)

KINDS = ("late_return", "stay_out", "room_change")


def card(ctx: Context, view: RequestView) -> str:
    """The request card in this reader's language."""
    return request_card(view, ctx.locale, ctx.translator, ctx.services.dorm_requests.dorms.tz)


def fields(ctx: Context, view: RequestView) -> dict[str, Any]:
    """The request's text fields in this reader's language."""
    return request_fields(view, ctx.locale, ctx.translator, ctx.services.dorm_requests.dorms.tz)


def admin_buttons(ctx: Context, view: RequestView) -> list[list[Button]]:
    """Approve / Reject while pending (nothing once decided)."""
    return decision_buttons(view, ctx.locale, ctx.translator)


def student_buttons(ctx: Context, view: RequestView) -> list[list[Button]]:
    """Withdraw while pending."""
    if view.request.state != "pending":
        return []
    label = ctx.t("dorm_requests.btn_withdraw", number=view.id)
    return [[ctx.button(label, RequestStudentAction("w", view.id))]]


def list_line(ctx: Context, view: RequestView) -> str:
    """One request in a list: number, kind, student, room, state, the key detail."""
    return ctx.t("dorm_requests.list_line", **fields(ctx, view))


def short_day(day: date) -> str:
    """A day as MM-DD."""
    return day.strftime("%m-%d")


def draft_fields(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """The fields of a request still being written (for the confirm card)."""
    expected = "-"
    if data.get("expected"):
        moment = datetime.fromisoformat(data["expected"]).astimezone(
            ctx.services.dorm_requests.dorms.tz
        )
        expected = moment.strftime("%m-%d %H:%M")
    days = {k: short_day(date.fromisoformat(data[k])) if data.get(k) else "-"
            for k in ("date_from", "date_to")}
    return {
        "kind": ctx.t(f"dorm_requests.kind_{data['kind']}"),
        "expected": expected,
        "reason": data.get("reason") or "-",
        "where": data.get("where") or "-",
        "contact": data.get("contact") or "-",
        "pref": data.get("pref_label") or ctx.t("dorm_requests.no_preference"),
        **days,
    }
