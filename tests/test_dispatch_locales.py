"""Catalogue keys that dispatch builds at run time exist in both languages; history event texts
use no field but {status} (the only one the ticket view passes)."""

from __future__ import annotations

from bot.core.i18n import SUPPORTED, load_catalogue, placeholders
from bot.services.repairs.escalation import PHASES
from bot.services.repairs.manage import CLOSE_KINDS
from bot.services.repairs.views import DECLINE_REASONS, STAGE_CODES
from models.dispatch import JOB_STATUSES, STAGES
from models.repairs import URGENCIES

EVENT_KINDS = (
    "offered", "help_offered", "declined", "offer_timeout", "helper_joined", "need_help",
    "need_parts", "cant_fix", "reassigned", "rated", "comment", "not_fixed", "auto_closed",
    "repeat_failure",
    *(f"urgency_{u}" for u in URGENCIES),
    *(f"closed_{k}" for k in CLOSE_KINDS),
    *(f"sla_{p}_{level}" for p in PHASES for level in ("lead", "manager")),
)


def dynamic_keys() -> list[str]:
    keys = [f"event.{kind}" for kind in EVENT_KINDS]
    keys += [f"dispatch.jobstate_{s}" for s in JOB_STATUSES]
    keys += [f"dispatch.reason_{r}" for r in (*DECLINE_REASONS, "other")]
    keys += [f"dispatch.btn_stage_{code}" for code in STAGE_CODES]
    keys += [f"dispatch.rep_{stage}" for stage in STAGES[1:]]
    keys += [f"dispatch.{step}_{p}" for step in ("remind", "escalate") for p in PHASES]
    keys += [f"manage.{what}_{k}" for what in ("close_ask", "closed", "rep_closed")
             for k in CLOSE_KINDS]
    return keys


def test_dynamic_keys_exist_in_every_locale():
    for locale in SUPPORTED:
        catalogue = load_catalogue(locale)
        missing = [key for key in dynamic_keys() if key not in catalogue]
        assert not missing, (locale, missing)


def test_event_texts_only_use_status():
    for locale in SUPPORTED:
        catalogue = load_catalogue(locale)
        for kind in EVENT_KINDS:
            assert placeholders(catalogue[f"event.{kind}"]) <= {"status"}, (locale, kind)
