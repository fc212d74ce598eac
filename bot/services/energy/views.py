"""How energy anomalies present themselves: the button payload (en), the alert's text and
buttons for one reader, and the chart's labels."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from bot.core.i18n import Translator
from bot.core.payloads import Payload, payload
from bot.core.types import Button, Reply

if TYPE_CHECKING:
    from bot.services.energy.service import EnergyService
    from models.energy import Anomaly, Meter


@payload("en")
class AnomalyTap(Payload):
    """An anomaly button: v the alert again, t create a ticket, f false alarm."""

    verb: str
    anomaly_id: int
    longest: ClassVar = ("v", 2_147_483_647)


def number(value: float) -> str:
    """A reading-sized figure: two decimals from 1 up, three below."""
    return f"{value:.2f}" if abs(value) >= 1 else f"{value:.3f}"


def anomaly_fields(service: EnergyService, anomaly: Anomaly, locale: str | None
                   ) -> dict[str, str | int]:
    """The placeholders of an anomaly's texts, in `locale`."""
    meter, details = anomaly.meter, anomaly.details or {}
    cfg = service.cfg
    return {
        "number": anomaly.id, "meter": meter.code, "place": meter.place.display(locale),
        "unit": meter.unit, "value": number(details.get("value", 0.0)),
        "threshold": number(details.get("threshold", 0.0)),
        "baseline": number(details.get("baseline", 0.0)), "hours": details.get("hours", 1),
        "when": anomaly.observed_at.astimezone(service.tz).strftime("%m-%d %H:00"),
        "day": anomaly.day.strftime("%m-%d"),
        "night": f"{cfg.night_start:02d}:00–{cfg.night_end:02d}:00",
    }


def anomaly_text(translator: Translator, service: EnergyService, anomaly: Anomaly,
                 locale: str | None) -> str:
    """The alert's text for one reader."""
    fields = anomaly_fields(service, anomaly, locale)
    kind = anomaly.meter.kind
    hint = translator(locale, f"energy.hint_{anomaly.kind}_{kind}")
    return translator(locale, f"energy.alert_{anomaly.kind}", hint=hint, **fields)


def decision_buttons(translator: Translator, anomaly_id: int, locale: str | None
                     ) -> list[list[Button]]:
    """"Create ticket" and "False alarm"."""
    return [[Button(translator(locale, "energy.btn_ticket"), AnomalyTap("t", anomaly_id).pack()),
             Button(translator(locale, "energy.btn_false_alarm"),
                    AnomalyTap("f", anomaly_id).pack())]]


def alert_reply(translator: Translator, service: EnergyService, anomaly: Anomaly,
                locale: str | None, image: bytes) -> Reply:
    """The alert as sent to one reader: text, the two decisions and the chart."""
    return Reply(
        text=anomaly_text(translator, service, anomaly, locale),
        buttons=decision_buttons(translator, anomaly.id, locale),
        image=image,
    )


def chart_labels(translator: Translator, meter: Meter, locale: str | None,
                 hours: int) -> dict[str, str]:
    """The chart's title, unit and threshold legend in `locale`."""
    return {
        "title": translator(locale, "energy.chart_title", meter=meter.code, hours=hours),
        "unit": translator(locale, "energy.chart_unit", unit=meter.unit),
        "threshold": translator(locale, "energy.chart_threshold"),
    }
