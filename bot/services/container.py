"""The services a handler can use, built once by the app."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.services.media import MediaService
from bot.services.people import PeopleService
from bot.services.places import PlaceService
from bot.services.repairs import RepairService


@dataclass
class Services:
    """The domain services, one instance each."""

    settings: Settings
    people: PeopleService
    places: PlaceService
    repairs: RepairService
    media: MediaService

    @classmethod
    def build(cls, settings: Settings) -> Services:
        """Create every service from the settings."""
        return cls(
            settings=settings,
            people=PeopleService(settings.invite_ttl_hours),
            places=PlaceService(),
            repairs=RepairService(settings.timezone),
            media=MediaService(settings.media_dir, settings.max_photo_bytes),
        )
