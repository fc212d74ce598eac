"""How people write place names: one normal form for names and messages, building numbers,
room numbers; every function here is pure (no database)."""

from __future__ import annotations

import re
import unicodedata

# Traditional characters that occur in campus place names and repair messages, and their
# simplified forms (the campus's names are simplified; a message may not be).
_TRADITIONAL = str.maketrans(
    "樓號層棟廁門廳館書圖實驗學寢飯廚龍頭櫃廣場體園區東廳燈壞調氣電漏熱髒窗鎖開關熱暖間"
    "樑階衛盥務際員處廢鐵網線線機風轉臺檯燒壓闆傳義醫療藥環協會議講禮綜課師範舊總"
    "東廂側廊廳廠倉庫雜貨餐廳鋪內邊樁們這個兩後裡臥陽檢測貯運輸灣學習",
    "楼号层栋厕门厅馆书图实验学寝饭厨龙头柜广场体园区东厅灯坏调气电漏热脏窗锁开关热暖间"
    "梁阶卫盥务际员处废铁网线线机风转台台烧压板传义医疗药环协会议讲礼综课师范旧总"
    "东厢侧廊厅厂仓库杂货餐厅铺内边桩们这个两后里卧阳检测贮运输湾学习",
)
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
# A Chinese numeral up to 九十九 (and 百 for 一百…): read as arabic digits when normalizing.
_CN_NUMERAL = re.compile(r"[一二三四五六七八九十两零〇百]{1,5}")
_ASCII_WORD = re.compile(r"[a-z0-9]")

# The words that make a number a building: 12栋, 12号楼, 12幢, 12座, 12舍, 12号公寓, dorm 12…
BUILDING_WORDS_ZH = ("号宿舍楼", "号公寓楼", "号公寓", "号楼", "栋", "幢", "座", "舍", "#楼")
BUILDING_WORDS_EN = ("building", "bldg", "block", "blk", "dorm", "hall")
_NUMBERED = re.compile(
    r"(?<![0-9a-z])(?P<n>\d{1,3})\s?(?:" + "|".join(map(re.escape, BUILDING_WORDS_ZH)) + ")"
    r"|\b(?:" + "|".join(BUILDING_WORDS_EN) + r")\.?\s?(?:no\.?\s?)?#?(?P<e>\d{1,3})(?![0-9])"
)
_TRAILING_NUMBER = re.compile(r"(?<![0-9])([a-z]?\d{1,5})$")
_ROOM_IN_NAME = re.compile(r"(?<![0-9])([a-z]?\d{2,5})(?:室|房|号|房间)?$")


def _cn_value(numeral: str) -> int | None:
    """The value of a Chinese numeral (一, 十二, 二十三, 一百零五, 三〇五); None if malformed."""
    if "十" not in numeral and "百" not in numeral:
        digits = [_CN_DIGITS.get(c) for c in numeral]
        if None in digits or (len(digits) > 1 and "两" in numeral):
            return None
        return int("".join(str(d) for d in digits))
    match = re.fullmatch(r"(?:(.)百)?(?:零?(.)?十)?零?(.)?", numeral)
    if match is None:
        return None
    hundreds, tens, ones = match.groups()
    if "十" not in numeral and ones is None:
        tens_value = 0
    else:
        tens_value = _CN_DIGITS.get(tens, -1) if tens else (1 if "十" in numeral else 0)
    values = [_CN_DIGITS.get(hundreds, -1) if hundreds else 0, tens_value,
              _CN_DIGITS.get(ones, -1) if ones else 0]
    if -1 in values:
        return None
    return values[0] * 100 + values[1] * 10 + values[2]


def normalize(text: str) -> tuple[str, list[int]]:
    """`text` in the form names are compared in (NFKC, lower case, simplified, Chinese numerals
    as digits, one space between words), and for each character the index it came from."""
    out: list[str] = []
    where: list[int] = []
    i = 0
    while i < len(text):
        match = _CN_NUMERAL.match(text, i)
        if match:
            value = _cn_value(match.group())
            if value is not None:
                # a space keeps the numeral apart from digits beside it ("教一102" → "教1 102")
                if out and out[-1].isdigit():
                    out.append(" ")
                    where.append(i)
                for ch in str(value):
                    out.append(ch)
                    where.append(i)
                i = match.end()
                if i < len(text) and unicodedata.normalize("NFKC", text[i]).isdigit():
                    out.append(" ")
                    where.append(i)
                continue
        for ch in unicodedata.normalize("NFKC", text[i]).lower().translate(_TRADITIONAL):
            if ch.isspace() or ch in "\u200b\ufeff":
                if out and out[-1] != " ":
                    out.append(" ")
                    where.append(i)
            else:
                out.append(ch)
                where.append(i)
        i += 1
    while out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


def _numeral(match: re.Match[str]) -> str:
    value = _cn_value(match.group())
    if value is None:
        return match.group()
    text, start, end = match.string, match.start(), match.end()
    before = " " if start and text[start - 1].isdigit() else ""
    after = " " if end < len(text) and text[end].isdigit() else ""
    return f"{before}{value}{after}"


def norm(text: str) -> str:
    """The normal form of a name, as `normalize` gives it, computed on the whole string at
    once (names are indexed by the thousand; messages need `normalize`'s offsets)."""
    folded = _CN_NUMERAL.sub(_numeral, unicodedata.normalize("NFKC", text or ""))
    folded = folded.lower().translate(_TRADITIONAL).replace("\u200b", " ").replace("\ufeff", " ")
    return " ".join(folded.split())


def simplified(text: str) -> str:
    """`text` with the traditional characters of place names and repair words simplified."""
    return (text or "").translate(_TRADITIONAL)


def is_ascii_word(key: str) -> bool:
    """True when `key` starts or ends with a latin letter or digit (so it must stand alone)."""
    return bool(key) and bool(_ASCII_WORD.match(key[0]) or _ASCII_WORD.match(key[-1]))


def numbered_building(name: str) -> str | None:
    """The building number a normalized name carries ("学生公寓12栋" → "12", "dorm 3" → "3")."""
    for match in _NUMBERED.finditer(name):
        number = match.group("n") or match.group("e")
        return str(int(number))
    return None


def number_key(number: str) -> str:
    """The index key of a building number ("#12")."""
    return f"#{int(number)}"


def room_keys(code_n: str, names: list[str], parent_n: str) -> set[str]:
    """The room numbers a child place answers to, from its normalized code and names
    ("d12-305" → "305", "1203" → "1203", "room 305" → "305"), without leading zeros."""
    keys: set[str] = set()
    if parent_n and code_n.startswith(parent_n) and len(code_n) > len(parent_n):
        rest = code_n[len(parent_n):].lstrip("-_/#. ")
        if rest:
            keys.add(rest)
    keys.add(code_n)
    for text in (code_n, *names):
        tail = re.split(r"[-_/#.\s]", text)[-1]
        match = _ROOM_IN_NAME.search(tail) or _TRAILING_NUMBER.search(text)
        if match:
            keys.add(match.group(1))
    return {room_key(k) for k in keys if k}


def room_key(room: str) -> str:
    """A room number without leading zeros ("0305" → "305"; "b101" stays)."""
    return str(int(room)) if room.isdigit() else room
