"""Dorm life requests (晚归 / 外宿 / 调宿) and night duty.

The package's public face: other domains, handlers and the app import from here only."""

from bot.services.dorm_requests.night_duty import NightDutyService
from bot.services.dorm_requests.rules import (
    MAX_REASON,
    MAX_WHERE,
    Preference,
    RequestView,
    check_from,
    check_span,
    clean_text,
    expected_moment,
    find_preference,
    parse_clock,
    parse_date,
)
from bot.services.dorm_requests.service import DormRequestService
from bot.services.dorm_requests.views import (
    NightDutyAction,
    RequestAdminAction,
    RequestStudentAction,
    decision_buttons,
    request_card,
    request_fields,
)

__all__ = [
    "MAX_REASON",
    "MAX_WHERE",
    "DormRequestService",
    "NightDutyAction",
    "NightDutyService",
    "Preference",
    "RequestAdminAction",
    "RequestStudentAction",
    "RequestView",
    "check_from",
    "check_span",
    "clean_text",
    "decision_buttons",
    "expected_moment",
    "find_preference",
    "parse_clock",
    "parse_date",
    "request_card",
    "request_fields",
]
