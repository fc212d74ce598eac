"""People, places and the WeCom directory: identities, roles, invites, look-ups.

The package's public face: other domains, handlers and the app import from here only."""

from bot.services.people.directory import WeComDirectory
from bot.services.people.people_csv import export_people, import_people
from bot.services.people.places import NEAR_METERS, PlaceService
from bot.services.people.places_csv import export_places, import_places, upsert_place
from bot.services.people.service import PeopleService, normalize_phone
from bot.services.people.views import LanguageTap

__all__ = [
    "NEAR_METERS",
    "LanguageTap",
    "PeopleService",
    "PlaceService",
    "WeComDirectory",
    "export_people",
    "export_places",
    "import_people",
    "import_places",
    "normalize_phone",
    "upsert_place",
]
