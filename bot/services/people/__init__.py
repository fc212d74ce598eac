"""People, places and the WeCom directory: identities, roles, invites, look-ups.

The package's public face: other domains, handlers and the app import from here only."""

from bot.services.people import attempts
from bot.services.people import attempts as attempt_limiter  # the limiter for other domains
from bot.services.people.bulk_invites import BulkInvitations, IssuedInvite
from bot.services.people.chat_sign_in import (
    ChatSignInService,
    ExternalSignInService,
    check_telegram_login,
)
from bot.services.people.directory import WeComDirectory, department_names
from bot.services.people.invitations import INVITABLE, Invitation, InvitationService, public_base
from bot.services.people.invite_cards import Card, CardLink, CardPrinter, write_codes_csv
from bot.services.people.people_csv import (
    Departure,
    RosterResult,
    export_people,
    import_people,
)
from bot.services.people.place_names import simplified
from bot.services.people.places import NEAR_METERS, PlaceService, Resolved
from bot.services.people.places_csv import export_places, import_places, upsert_place
from bot.services.people.roles import holders, in_zones, with_skill
from bot.services.people.roster_counts import RosterCounts, RosterService
from bot.services.people.search import exact_people, find_people, people_named, suggest_people
from bot.services.people.service import PeopleService, find_by_login, normalize_phone
from bot.services.people.verification import (
    STAFF_ROLES,
    SelfVerification,
    Verified,
    normalize_login,
    phone_of,
    same_name,
)
from bot.services.people.views import LanguageTap, PeopleTap
from bot.services.people.web_sessions import WebSessionService
from bot.services.people.web_sign_in import LINK_PATH, WebSignInService, web_user_id

__all__ = [
    "INVITABLE",
    "LINK_PATH",
    "NEAR_METERS",
    "STAFF_ROLES",
    "BulkInvitations",
    "Card",
    "CardLink",
    "CardPrinter",
    "ChatSignInService",
    "Departure",
    "ExternalSignInService",
    "Invitation",
    "InvitationService",
    "IssuedInvite",
    "LanguageTap",
    "PeopleService",
    "PeopleTap",
    "PlaceService",
    "Resolved",
    "RosterCounts",
    "RosterResult",
    "RosterService",
    "SelfVerification",
    "Verified",
    "WeComDirectory",
    "WebSessionService",
    "WebSignInService",
    "attempt_limiter",
    "attempts",
    "check_telegram_login",
    "department_names",
    "exact_people",
    "export_people",
    "export_places",
    "find_by_login",
    "find_people",
    "holders",
    "import_people",
    "import_places",
    "in_zones",
    "normalize_login",
    "normalize_phone",
    "people_named",
    "phone_of",
    "public_base",
    "same_name",
    "simplified",
    "suggest_people",
    "upsert_place",
    "web_user_id",
    "with_skill",
    "write_codes_csv",
]
