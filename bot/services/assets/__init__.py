"""Assets (固定资产): the register, repairs on assets, preventive maintenance, QR labels.

The package's public face: other domains, handlers and the app import from here only."""

from bot.services.assets.check_export import export_asset_checks
from bot.services.assets.check_views import CheckPage, CheckTap, page_view, round_label
from bot.services.assets.checks import AssetCheckService, round_summary
from bot.services.assets.csv_io import export_assets, import_assets
from bot.services.assets.demo import seed_demo_assets
from bot.services.assets.digest import AssetsDigest
from bot.services.assets.maintenance import MaintenanceService, parse_every
from bot.services.assets.maintenance_meter import MeterMaintenance, fmt, is_known_unit
from bot.services.assets.qr_export import collect_labels
from bot.services.assets.qr_labels import find_cjk_font, qr_image, write_labels
from bot.services.assets.repairs import (
    check_asset_repeat,
    check_reportable,
    link_ticket,
    sync_asset,
)
from bot.services.assets.service import (
    EDIT_ROLES,
    MANUAL_STATUSES,
    VIEW_ROLES,
    AssetCard,
    AssetService,
)
from bot.services.assets.views import AssetLinkTap, AssetTap, PlanTap, QrTap, TrimmedPayload

__all__ = [
    "EDIT_ROLES",
    "MANUAL_STATUSES",
    "VIEW_ROLES",
    "AssetCard",
    "AssetCheckService",
    "AssetLinkTap",
    "AssetService",
    "AssetTap",
    "AssetsDigest",
    "CheckPage",
    "CheckTap",
    "MaintenanceService",
    "MeterMaintenance",
    "PlanTap",
    "QrTap",
    "TrimmedPayload",
    "check_asset_repeat",
    "check_reportable",
    "collect_labels",
    "export_asset_checks",
    "export_assets",
    "find_cjk_font",
    "fmt",
    "import_assets",
    "is_known_unit",
    "link_ticket",
    "page_view",
    "parse_every",
    "qr_image",
    "round_label",
    "round_summary",
    "seed_demo_assets",
    "sync_asset",
    "write_labels",
]
