"""Stock text: fuzzy item matching (zh and en), stock questions in free text, quantities.

Pure functions, no database. All patterns use bounded quantifiers and only short texts are
examined, so matching stays fast on any input.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.errors import ServiceError

MAX_QTY = 100_000
MIN_SCORE = 0.6
QUESTION_MAX_CHARS = 60
_PUNCT = re.compile(r"[\s\-_./·,，、:：;；!！?？'\"“”‘’()（）\[\]【】]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[a-z0-9]+")

_TAIL = r"\s{0,3}(?:了|呢|啊|呀|吗|嘛){0,2}\s{0,3}[?？。!！]{0,3}$"
_COUNTER = r"(?:个|根|只|把|套|卷|台|盒|件|条|米|支|片|包|箱|对)"
_ZH_WHERE = r"(?:仓库|库房|库里|仓库里|库房里|库存里)?\s{0,3}"
_ZH_QUESTIONS: tuple[re.Pattern[str], ...] = (
    # 还有多少灯管 · 有多少灯管 · 还剩几根灯管 · 库房还有多少插座
    re.compile(
        rf"^(?:请问)?\s{{0,3}}{_ZH_WHERE}(?:还有|还剩|剩下|剩|有)\s{{0,3}}"
        rf"(?:多少|几{_COUNTER}?)\s{{0,3}}(?P<q>.{{1,30}}?){_TAIL}"
    ),
    # 灯管还有多少 · 灯管还有吗 · 插座有货吗 · 灯管库存多少 · 门锁的库存
    re.compile(
        rf"^(?:请问)?\s{{0,3}}{_ZH_WHERE}(?P<q>.{{1,30}}?)\s{{0,3}}"
        rf"(?:还有多少|还剩多少|还有几{_COUNTER}?|有多少|剩多少|还剩几{_COUNTER}?|剩几{_COUNTER}?|"
        rf"还有吗|还有没有|有没有货|有货吗|还有货吗|有库存吗|库存还有多少|库存多少|库存还有吗|"
        rf"的库存|库存){_TAIL}"
    ),
    # 库存 灯管 · 查库存：插座 · 查一下库存 门锁
    re.compile(r"^(?:查|查询|查一下|看看)?\s{0,3}库存\s{0,3}[:：]?\s{0,3}(?P<q>.{1,30}?)\s{0,3}$"),
    # 库房还有水龙头吗 · 还有插座没有
    re.compile(
        rf"^(?:请问)?\s{{0,3}}{_ZH_WHERE}(?:还有|有)\s{{0,3}}(?P<q>.{{1,30}}?)\s{{0,3}}"
        rf"(?:吗|么|没有|没)\s{{0,3}}[?？。!！]{{0,3}}$"
    ),
    # 有没有门锁 · 仓库里还有没有水龙头
    re.compile(rf"^(?:请问)?\s{{0,3}}{_ZH_WHERE}(?:还有没有|有没有)\s{{0,3}}(?P<q>.{{1,30}}?){_TAIL}"),
)
_EN_TAIL = (
    r"(?:\s{1,3}(?:do|does|did)\s(?:we|you|they|the store)\s(?:still\s)?(?:have|got)"
    r"(?:\s(?:left|in stock|available))?"
    r"|\s{1,3}(?:are|is)\s(?:there\s)?(?:still\s)?(?:left|in stock|available)"
    r"|\s{1,3}(?:are|is)\s(?:there|left)"
    r"|\s{1,3}(?:left|in stock|available|remaining))?"
    r"(?:\s{1,3}in\s(?:the\s)?(?:store|stores|warehouse|stock|storeroom))?\s{0,3}\?{0,3}$"
)
_EN_QUESTIONS: tuple[re.Pattern[str], ...] = (
    re.compile(rf"^(?:how many|how much)\s{{1,3}}(?P<q>[^?]{{1,40}}?){_EN_TAIL}", re.I),
    re.compile(
        r"^(?:do|does)\s(?:we|you|the store|the warehouse)\s(?:still\s)?have\s{1,3}(?:any\s)?"
        r"(?P<q>[^?]{1,40}?)(?:\s(?:in stock|left|available))?\s{0,3}\?{0,3}$",
        re.I,
    ),
    re.compile(
        r"^(?:are there|is there|any)\s{1,3}(?:any\s)?(?P<q>[^?]{1,40}?)\s"
        r"(?:in stock|left|available)\s{0,3}\?{0,3}$",
        re.I,
    ),
    re.compile(r"^(?:check\s)?(?:stock|inventory)\s{0,3}(?:of|for|:)?\s{1,3}(?P<q>[^?]{1,40}?)"
               r"\s{0,3}\?{0,3}$", re.I),
    re.compile(r"^(?P<q>[^?]{1,40}?)\s(?:in stock|stock level|stock)\s{0,3}\?{0,3}$", re.I),
)
_NUM = r"[-+−]?\d{1,12}(?:[.,]\d{1,6})?"
_UNIT = (
    r"(?:\s{0,2}(?:个|根|只|把|套|卷|台|盒|件|条|米|支|片|包|箱|对|pcs|pc|pieces|piece|units|unit|"
    r"rolls|roll|boxes|box|sets|set|m))?"
)
_QTY_AFTER = re.compile(
    rf"^(?P<name>.{{1,60}}?)\s{{0,3}}[x×*]?\s{{0,3}}(?P<num>{_NUM}){_UNIT}$", re.I
)
_QTY_BEFORE = re.compile(
    rf"^(?P<num>{_NUM}){_UNIT}\s{{0,3}}(?:[x×*]|of)?\s{{0,3}}(?P<name>\D.{{0,59}})$", re.I
)
_LINE_SPLIT = re.compile(r"[\n,，;；、]+|\s+(?:and|和|及)\s+")


class Names(str):
    """A name whose str value is Chinese and which also carries the English name, so a
    refusal naming an item or store can be shown in the reader's language."""

    en: str

    def __new__(cls, zh: str, en: str = "") -> Names:
        """Build from the Chinese and English names (English falls back to Chinese)."""
        obj = super().__new__(cls, zh)
        obj.en = en or zh
        return obj

    def pick(self, locale: str | None) -> str:
        """The name in `locale`."""
        return self.en if locale == "en" else str(self)


def localize_fields(fields: dict[str, object], locale: str | None) -> dict[str, object]:
    """Error fields with every Names value in `locale`."""
    return {k: v.pick(locale) if isinstance(v, Names) else v for k, v in fields.items()}


def norm(text: str) -> str:
    """NFKC, lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def compact(text: str) -> str:
    """`norm` without spaces and punctuation (how codes and Chinese names compare)."""
    return _PUNCT.sub("", norm(text))


def singular(word: str) -> str:
    """A simple English singular: tubes -> tube, boxes -> box, batteries -> battery."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "ses", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _words(text: str) -> list[str]:
    return [singular(w) for w in _WORD.findall(norm(text))]


def _word_score(query: list[str], name: list[str]) -> float:
    """How well English query words match a name's words (typos tolerated)."""
    if not query or not name:
        return 0.0
    if query == name:
        return 1.0
    best: list[float] = []
    for word in query:
        ratio = max(difflib.SequenceMatcher(None, word, other).ratio() for other in name)
        best.append(1.0 if word in name else ratio)
    mean = sum(best) / len(best)
    if all(b == 1.0 for b in best):
        return 0.9
    return 0.45 + 0.4 * mean if mean >= 0.75 else 0.0


def name_score(query: str, name: str) -> float:
    """A score in [0, 1] for how well `query` names `name` (1.0: the same)."""
    q, n = compact(query), compact(name)
    if not q or not n:
        return 0.0
    if q == n:
        return 1.0
    score = 0.0
    if not _CJK.search(q + n):
        query_words, name_words = _words(query), _words(name)
        if query_words and "".join(query_words) == "".join(name_words):
            return 1.0
        score = _word_score(query_words, name_words)
    if len(q) >= 1 and q in n and (_CJK.search(q) or len(q) >= 3):
        score = max(score, 0.6 + 0.3 * len(q) / len(n))
    if len(n) >= 2 and n in q and (_CJK.search(n) or len(n) >= 3):
        score = max(score, 0.6 + 0.25 * len(n) / len(q))
    if _CJK.search(q) and _CJK.search(n) and min(len(q), len(n)) >= 2:
        ratio = difflib.SequenceMatcher(None, q, n).ratio()
        if ratio >= 0.66:
            score = max(score, 0.4 + 0.35 * ratio)
    return min(score, 0.99)


def best_score(query: str, names: Iterable[str]) -> float:
    """The best `name_score` of `query` over several names (code, names, aliases)."""
    return max((name_score(query, name) for name in names if name), default=0.0)


@dataclass(frozen=True)
class Ranked:
    """An id with its match score."""

    id: int
    score: float


def rank(query: str, candidates: Iterable[tuple[int, list[str]]]) -> list[Ranked]:
    """Candidates (id, names) that match `query`, best first. When some name matches word
    for word, mere look-alikes are dropped (so "tap" does not also list PTFE tape, nor
    "tape" the faucet)."""
    scored = [Ranked(i, best_score(query, names)) for i, names in candidates]
    found = sorted((r for r in scored if r.score >= MIN_SCORE), key=lambda r: (-r.score, r.id))
    if found and found[0].score >= 0.9:
        found = [r for r in found if r.score >= 0.85]
    return found


def stock_question(text: str) -> str | None:
    """The item words of a stock question ("还有多少灯管" -> "灯管"), or None."""
    cleaned = " ".join(unicodedata.normalize("NFKC", text).split())
    if not cleaned or len(cleaned) > QUESTION_MAX_CHARS:
        return None
    for pattern in (*_ZH_QUESTIONS, *_EN_QUESTIONS):
        match = pattern.match(cleaned)
        if match:
            words = match.group("q").strip(" ?？。:：")
            words = re.sub(r"^(?:the|any|some)\s", "", words, flags=re.I)
            if words:
                return words
    return None


def parse_qty(text: str) -> int:
    """A positive whole quantity; ServiceError with a clear key for anything else."""
    raw = unicodedata.normalize("NFKC", text).strip().replace("−", "-")
    if not re.fullmatch(_NUM, raw):
        raise ServiceError("stock.qty_not_number", text=text[:20])
    if re.search(r"[.,]\d*[1-9]", raw):
        raise ServiceError("stock.qty_fraction", text=raw[:20])
    value = int(float(raw.replace(",", ".")))
    if value <= 0:
        raise ServiceError("stock.qty_positive", text=raw[:20])
    if value > MAX_QTY:
        raise ServiceError("stock.qty_too_large", text=raw[:20], limit=MAX_QTY)
    return value


def parse_count(text: str) -> int:
    """A counted quantity for a stocktake: a whole number from 0 to MAX_QTY."""
    raw = unicodedata.normalize("NFKC", text).strip()
    if raw == "0":
        return 0
    return parse_qty(raw)


@dataclass(frozen=True)
class Line:
    """One "item words + quantity" chunk of a message, or the error it has."""

    words: str
    qty: int
    error: ServiceError | None = None


def split_lines(text: str) -> list[str]:
    """The chunks of "灯管 5, 插座 2" / "LED tube x4 and socket 2" (at most 20)."""
    chunks = [c.strip() for c in _LINE_SPLIT.split(unicodedata.normalize("NFKC", text))]
    return [c for c in chunks if c][:20]


def parse_line(chunk: str, allow_zero: bool = False) -> Line:
    """Parse "灯管 5" / "5根灯管" / "LED tube x4" into a Line (an error Line when it cannot)."""
    text = chunk.strip()
    match = _QTY_AFTER.match(text) or _QTY_BEFORE.match(text)
    if not match:
        return Line(text[:60], 0, ServiceError("stock.qty_missing", text=text[:40]))
    words = match.group("name").strip(" x×*:：")
    try:
        qty = (parse_count if allow_zero else parse_qty)(match.group("num"))
    except ServiceError as err:
        return Line(words[:60], 0, err)
    return Line(words[:60], qty)
