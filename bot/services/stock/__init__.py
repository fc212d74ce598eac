"""Stock (物资): catalogue, ledger, requisitions, low-stock alerts, search.

The package's public face: other domains, handlers and the app import from here only."""

from bot.services.stock.alerts import StockAlertService
from bot.services.stock.csv_io import (
    export_ledger,
    export_stock,
    export_stores,
    import_stock,
    import_stores,
)
from bot.services.stock.demo import seed_demo_stock
from bot.services.stock.items import STAFF_ROLES, ItemStock
from bot.services.stock.requisitions import RequisitionView, last_collect_day
from bot.services.stock.search import (
    MAX_QTY,
    localize_fields,
    parse_count,
    parse_line,
    split_lines,
    stock_question,
)
from bot.services.stock.service import StockService
from bot.services.stock.views import (
    Notice,
    RequisitionTap,
    SnoozeTap,
    StockPage,
    digest_line,
    low_alert,
    low_digest,
)

__all__ = [
    "MAX_QTY",
    "STAFF_ROLES",
    "ItemStock",
    "Notice",
    "RequisitionTap",
    "RequisitionView",
    "SnoozeTap",
    "StockAlertService",
    "StockPage",
    "StockService",
    "digest_line",
    "export_ledger",
    "export_stock",
    "export_stores",
    "import_stock",
    "import_stores",
    "last_collect_day",
    "localize_fields",
    "low_alert",
    "low_digest",
    "parse_count",
    "parse_line",
    "seed_demo_stock",
    "split_lines",
    "stock_question",
]
