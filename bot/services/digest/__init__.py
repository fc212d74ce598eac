"""The managers' digests (日报/周报/月报): figures, text, chart, settings and delivery.

The package's public face: other domains, handlers and the app import from here only."""

from bot.services.digest.figures import SECTIONS, median_minutes
from bot.services.digest.more_sections import MoreSources
from bot.services.digest.period import PERIODS
from bot.services.digest.service import TIMES, DigestService, DigestSettings
from bot.services.digest.views import DigestTap, messages

__all__ = [
    "PERIODS",
    "SECTIONS",
    "TIMES",
    "DigestService",
    "DigestSettings",
    "DigestTap",
    "MoreSources",
    "median_minutes",
    "messages",
]
