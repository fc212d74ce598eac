"""The dorm and dorm request buttons pack to exactly the strings they always carried, and parse
back; a forged or short payload is refused."""

from __future__ import annotations

import pytest

from bot.core.payloads import BadPayload
from bot.services.dorm_requests import NightDutyAction, RequestAdminAction, RequestStudentAction
from bot.services.dorms import DormAdminAction, DormStudentAction

PACKED = [
    (DormStudentAction("c", 12), "dm:c:12"),
    (DormStudentAction("d", 12), "dm:d:12"),
    (DormAdminAction("b", 3), "da:b:3"),
    (DormAdminAction("my", 12), "da:my:12"),
    (RequestAdminAction("l"), "drq:l"),
    (RequestAdminAction("a", 7), "drq:a:7"),
    (RequestAdminAction("b", 7, 41), "drq:b:7:41"),
    (RequestStudentAction("w", 7), "drs:w:7"),
    (NightDutyAction("off", 3), "dnd:off:3"),
    (NightDutyAction("set", 3, 9), "dnd:set:3:9"),
]


@pytest.mark.parametrize(("tap", "packed"), PACKED)
def test_buttons_pack_as_before_and_parse_back(tap, packed):
    assert tap.pack() == packed
    assert type(tap).parse(packed) == tap
    assert type(tap).parse(packed.split(":")[1:]) == tap  # as the dispatcher hands them over


@pytest.mark.parametrize(
    ("cls", "args"),
    [
        (DormStudentAction, ["c", "abc"]),
        (DormStudentAction, ["c"]),
        (DormAdminAction, ["v"]),
        (RequestAdminAction, ["a", "x"]),
        (RequestAdminAction, ["b", "7", "x"]),
        (RequestStudentAction, ["w"]),
        (NightDutyAction, ["me"]),
    ],
)
def test_forged_payloads_are_refused(cls, args):
    with pytest.raises(BadPayload):
        cls.parse(args)
