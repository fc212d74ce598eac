"""Dorm check-in (宿舍入住): roster, check-in and check-out, reminders, verification.

The package's public face: other domains, handlers and the app import from here only."""

from bot.services.dorms.csv_io import export_roster, import_roster
from bot.services.dorms.demo import seed_demo_dorm
from bot.services.dorms.moves import lock_bed, move_to_bed
from bot.services.dorms.rules import (
    ADMIN_ROLES,
    CHECK_ITEMS,
    MAX_REASON,
    UNCONFIRMED,
    CheckResult,
    Stay,
    utc,
)
from bot.services.dorms.service import BuildingProgress, DormService, find_room, load_stays
from bot.services.dorms.views import (
    DormAdminAction,
    DormStudentAction,
    stay_fields,
    student_buttons,
)

__all__ = [
    "ADMIN_ROLES",
    "CHECK_ITEMS",
    "MAX_REASON",
    "UNCONFIRMED",
    "BuildingProgress",
    "CheckResult",
    "DormAdminAction",
    "DormService",
    "DormStudentAction",
    "Stay",
    "export_roster",
    "find_room",
    "import_roster",
    "load_stays",
    "lock_bed",
    "move_to_bed",
    "seed_demo_dorm",
    "stay_fields",
    "student_buttons",
    "utc",
]
