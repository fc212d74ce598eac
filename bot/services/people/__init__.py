"""People, places and the WeCom directory: identities, roles, invites, look-ups.

The package's public face: other domains, handlers and the app import from here only."""

from bot.services.people import attempts
from bot.services.people import attempts as attempt_limiter  # the limiter for other domains
from bot.services.people.chat_sign_in import (
    ChatSignInService,
    ExternalSignInService,
    check_telegram_login,
)
from bot.services.people.directory import WeComDirectory
from bot.services.people.invitations import INVITABLE, Invitation, InvitationService, public_base
from bot.services.people.people_csv import export_people, import_people
from bot.services.people.places import NEAR_METERS, PlaceService
from bot.services.people.places_csv import export_places, import_places, upsert_place
from bot.services.people.search import exact_people, find_people, people_named, suggest_people
from bot.services.people.service import PeopleService, normalize_phone
from bot.services.people.views import LanguageTap
from bot.services.people.web_sessions import WebSessionService
from bot.services.people.web_sign_in import LINK_PATH, WebSignInService, web_user_id

__all__ = [
    "INVITABLE",
    "LINK_PATH",
    "NEAR_METERS",
    "ChatSignInService",
    "ExternalSignInService",
    "Invitation",
    "InvitationService",
    "LanguageTap",
    "PeopleService",
    "PlaceService",
    "WeComDirectory",
    "WebSessionService",
    "WebSignInService",
    "attempt_limiter",
    "attempts",
    "check_telegram_login",
    "exact_people",
    "export_people",
    "export_places",
    "find_people",
    "import_people",
    "import_places",
    "normalize_phone",
    "people_named",
    "public_base",
    "suggest_people",
    "upsert_place",
    "web_user_id",
]
