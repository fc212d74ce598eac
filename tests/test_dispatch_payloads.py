"""The typed button payloads of repairs, assets and energy pack to exactly the strings the
buttons carried before (buttons already sent must keep working), and parse back."""

from __future__ import annotations

import pytest

from bot.core.payloads import BadPayload, Payload
from bot.services.assets import AssetLinkTap, AssetTap, PlanTap, QrTap
from bot.services.energy import AnomalyTap
from bot.services.repairs import (
    DutyTap,
    FollowUpTap,
    JobTap,
    ManageTap,
    OpenTap,
    TicketTap,
    fits,
)

pytestmark = pytest.mark.service

AS_BEFORE: list[tuple[Payload, str]] = [
    (JobTap("a", 12), "jb:a:12"),
    (JobTap("d", 12), "jb:d:12"),
    (JobTap("dr", 12, "busy"), "jb:dr:12:busy"),
    (JobTap("dr", 12, "other"), "jb:dr:12:other"),
    (JobTap("s", 12, "w"), "jb:s:12:w"),
    (JobTap("f", 12), "jb:f:12"),
    (JobTap("np", 12), "jb:np:12"),
    (JobTap("nh", 12), "jb:nh:12"),
    (JobTap("x", 12), "jb:x:12"),
    (JobTap("v", 12), "jb:v:12"),
    (ManageTap("v", 7), "mg:v:7"),
    (ManageTap("rw", 7, "31"), "mg:rw:7:31"),
    (ManageTap("us", 7, "urgent"), "mg:us:7:urgent"),
    (ManageTap("zl", 31), "mg:zl:31"),
    (OpenTap("o"), "op:o"),
    (OpenTap("a"), "op:a"),
    (OpenTap("s", "submitted"), "op:s:submitted"),
    (OpenTap("z", "北区"), "op:z:北区"),
    (TicketTap("v", "R-20261203-0001"), "tk:v:R-20261203-0001"),
    (TicketTap("cy", "R-20261203-0001"), "tk:cy:R-20261203-0001"),
    (FollowUpTap("r", 5, 4), "fu:r:5:4"),
    (FollowUpTap("no", 5), "fu:no:5"),
    (FollowUpTap("c", 5), "fu:c:5"),
    (DutyTap("on"), "du:on"),
    (DutyTap("off"), "du:off"),
    (AssetTap("v", 9), "as:v:9"),
    (AssetTap("st", 9, "idle"), "as:st:9:idle"),
    (AssetLinkTap("p", 7), "at:p:7"),
    (AssetLinkTap("s", 7, 9), "at:s:7:9"),
    (PlanTap("x", 3), "pm:x:3"),
    (QrTap(), "qr:report"),
    (AnomalyTap("t", 4), "en:t:4"),
    (AnomalyTap("f", 4), "en:f:4"),
    (AnomalyTap("v", 4), "en:v:4"),
]


@pytest.mark.parametrize(("tap", "packed"), AS_BEFORE, ids=[p for _, p in AS_BEFORE])
def test_payloads_pack_as_before_and_parse_back(tap: Payload, packed: str):
    assert tap.pack() == packed
    assert type(tap).parse(packed) == tap
    assert type(tap).parse(packed.split(":")[1:]) == tap  # as the dispatcher hands them over


def test_forged_payloads_are_refused():
    for cls, bad in ((JobTap, "jb:a:abc"), (FollowUpTap, "fu:r:1:x"), (AssetLinkTap, "at:p:x"),
                     (AnomalyTap, "en:t"), (TicketTap, "tk:v")):
        with pytest.raises(BadPayload):
            cls.parse(bad)


def test_a_zone_too_long_for_a_button_is_not_offered():
    assert fits(OpenTap("z", "north"))
    assert not fits(OpenTap("z", "区" * 20))
