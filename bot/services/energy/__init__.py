"""Energy anomalies (水电异常): readings, detection, alerts and decisions.

The package's public face: other domains, handlers and the app import from here only."""

from bot.services.energy.alerts import (
    OUTCOMES,
    Decision,
    decide,
)
from bot.services.energy.alerts import (
    chart as alerts_chart,
)
from bot.services.energy.csv_io import (
    export_meters,
    export_readings,
    import_meters,
    import_readings,
)
from bot.services.energy.demo import seed_demo_energy
from bot.services.energy.readings import RawReading, ReadingError, store, validate
from bot.services.energy.service import EnergyService, detection_config
from bot.services.energy.views import AnomalyTap, anomaly_text, decision_buttons

__all__ = [
    "OUTCOMES",
    "AnomalyTap",
    "Decision",
    "EnergyService",
    "RawReading",
    "ReadingError",
    "alerts_chart",
    "anomaly_text",
    "decide",
    "decision_buttons",
    "detection_config",
    "export_meters",
    "export_readings",
    "import_meters",
    "import_readings",
    "seed_demo_energy",
    "store",
    "validate",
]
