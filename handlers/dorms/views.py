"""Rendering dorm stays for students and dorm admins (always through the translator)."""

from __future__ import annotations

from typing import Any

from bot.core.context import Context
from bot.core.types import Button
from bot.services.dorms import (
    CHECK_ITEMS,
    UNCONFIRMED,
    DormAdminAction,
    Stay,
    stay_fields,
    student_buttons,
)
from handlers.media_intake import files_summary


def fields(ctx: Context, stay: Stay) -> dict[str, Any]:
    """The stay's text fields in this reader's locale."""
    return stay_fields(stay, ctx.locale, ctx.translator, ctx.services.dorms.local)


def status_text(ctx: Context, stay: Stay) -> str:
    """The localized status, with the deferred date when there is one."""
    if stay.assignment.status == "deferred":
        return ctx.t("dorm.deferred_to", date=fields(ctx, stay)["date"])
    return ctx.t(f"dorm.status_{stay.assignment.status}")


def item_label(ctx: Context, item: str) -> str:
    """The localized name of a checklist item."""
    return ctx.t(f"dorm.item_{item}")


def my_card(ctx: Context, stay: Stay) -> tuple[str, list[list[Button]]]:
    """The student's own view of their assignment, with Confirm / Can't come while unconfirmed."""
    text = ctx.t("dorm.my_card", status=status_text(ctx, stay), **fields(ctx, stay))
    if stay.assignment.status in UNCONFIRMED:
        return text, student_buttons(stay, ctx.locale, ctx.translator)
    return text, []


def admin_card(ctx: Context, stay: Stay) -> tuple[str, list[list[Button]]]:
    """A dorm admin's view of one student's stay, with what can be done next."""
    a = stay.assignment
    lines = [ctx.t("dorm.admin_card", status=status_text(ctx, stay), **fields(ctx, stay))]
    if a.status == "deferred":
        lines.append(ctx.t("dorm.admin_deferred_line", **fields(ctx, stay)))
    if a.confirmed_at is not None:
        lines.append(
            ctx.t("dorm.admin_checked_in_line", when=ctx.services.dorms.local(a.confirmed_at))
        )
    buttons: list[list[Button]] = []
    if a.status in ("pending", "deferred"):
        buttons.append([ctx.button(ctx.t("dorm.btn_mark"), DormAdminAction("m", stay.id))])
    if a.status in ("pending", "deferred", "checked_in"):
        buttons.append([ctx.button(ctx.t("dorm.btn_move"), DormAdminAction("r", stay.id))])
    if a.status == "checked_in":
        buttons[-1].append(ctx.button(ctx.t("dorm.btn_checkout"), DormAdminAction("o", stay.id)))
    return "\n".join(lines), buttons


def list_line(ctx: Context, stay: Stay) -> str:
    """One student in an admin's list."""
    return ctx.t("dorm.list_line", status=status_text(ctx, stay), **fields(ctx, stay))


def capped(ctx: Context, lines: list[str], limit: int = 30) -> list[str]:
    """At most `limit` lines, then "…and N more"."""
    if len(lines) <= limit:
        return lines
    return [*lines[:limit], ctx.t("dorm.and_more", count=len(lines) - limit)]


def checklist_summary(ctx: Context, results: list[dict]) -> str:
    """The answered checklist, one line per item."""
    lines = []
    for result in results:
        label = item_label(ctx, result["item"])
        if result["ok"]:
            lines.append(ctx.t("dorm.summary_ok", item=label))
        else:
            lines.append(
                ctx.t(
                    "dorm.summary_problem",
                    item=label,
                    note=result.get("note") or "-",
                    files=files_summary(ctx, len(result.get("photos", [])),
                                        len(result.get("videos", [])),
                                        len(result.get("voices", []))),
                )
            )
    return "\n".join(lines)


ITEMS = tuple(CHECK_ITEMS)
