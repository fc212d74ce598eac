"""Emergency alerts (应急): broadcast, acknowledgement, follow-up, all-clear.

The package's public face: other domains, handlers and the app import from here only."""

from bot.services.alerts.audience import ZONE_PREFIX, Audience, AudienceResolver, DormRoster
from bot.services.alerts.request_keys import check_key, claim_key, release_key, settle_key
from bot.services.alerts.rules import MAX_DETAILS, PlaceGroup
from bot.services.alerts.service import AlertCounts, AlertService, Preview
from bot.services.alerts.views import (
    ANSWERS,
    AlertTap,
    alert_text,
    all_clear_text,
    body,
    pending_text,
    title,
)

__all__ = [
    "ANSWERS",
    "MAX_DETAILS",
    "ZONE_PREFIX",
    "AlertCounts",
    "AlertService",
    "AlertTap",
    "Audience",
    "AudienceResolver",
    "DormRoster",
    "PlaceGroup",
    "Preview",
    "alert_text",
    "all_clear_text",
    "body",
    "check_key",
    "claim_key",
    "pending_text",
    "release_key",
    "settle_key",
    "title",
]
