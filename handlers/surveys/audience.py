"""/survey, the audience: the same choices as emergency alerts (handlers/audience_picker.py),
then on to when the survey goes out."""

from __future__ import annotations

from bot.core.router import Router
from handlers.audience_picker import AudienceSteps
from handlers.surveys.schedule import ask_when
from handlers.surveys.views import FLOW

router = Router()
AUDIENCE = AudienceSteps(FLOW, lambda ctx: ctx.services.surveys, "when", ask_when,
                         "survey.ask_audience", "survey.use_buttons")
AUDIENCE.register(router)
ask_audience = AUDIENCE.ask
