"""Dorm life requests (晚归 / 外宿 / 调宿) and night duty.

The package's public face: other domains, handlers and the app import from here only."""

from bot.services.dorm_requests.base import RequestView
from bot.services.dorm_requests.notify import (
    decision_buttons,
    push_new,
    push_night_duty,
    request_card,
    request_fields,
    tell_student,
)
from bot.services.dorm_requests.rules import (
    MAX_REASON,
    MAX_WHERE,
    Preference,
    check_from,
    check_span,
    clean_text,
    expected_moment,
    find_preference,
    parse_clock,
    parse_date,
)
from bot.services.dorm_requests.service import DormRequestService

__all__ = [
    "MAX_REASON",
    "MAX_WHERE",
    "DormRequestService",
    "Preference",
    "RequestView",
    "check_from",
    "check_span",
    "clean_text",
    "decision_buttons",
    "expected_moment",
    "find_preference",
    "parse_clock",
    "parse_date",
    "push_new",
    "push_night_duty",
    "request_card",
    "request_fields",
    "tell_student",
]
