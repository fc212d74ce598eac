"""CSV import/export shared parts: strict reading with line numbers, Excel-friendly writing.

Places and people live in `csv_places` and `csv_people`; the tickets export lives here.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from models.repairs import Ticket

LIST_SEPARATOR = "|"
TICKET_COLUMNS = (
    "number", "status", "category", "urgency", "place_code", "reporter", "description",
    "created_at", "updated_at",
)


class CsvImportError(Exception):
    """The file cannot be imported; `errors` holds one "line N: reason" text per problem."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class CsvRow:
    """One data row: its physical line number in the file (header = 1) and its stripped cells."""

    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        """The cell of `column`, or "" when the file has no such column."""
        return self.values.get(column, "")


@dataclass
class ImportResult:
    """How many rows an import created and how many it updated."""

    created: int = 0
    updated: int = 0

    @property
    def total(self) -> int:
        """Every row written."""
        return self.created + self.updated

    def __str__(self) -> str:
        return f"imported {self.total} (created {self.created}, updated {self.updated})"


def split_list(text: str) -> list[str]:
    """The non-empty, de-duplicated items of a "a|b|c" cell, in order."""
    items: list[str] = []
    for raw in text.split(LIST_SEPARATOR):
        item = raw.strip()
        if item and item not in items:
            items.append(item)
    return items


def join_list(items: Iterable[str] | None) -> str:
    """A list as one "a|b|c" cell."""
    return LIST_SEPARATOR.join(items or [])


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvImportError([f"line {line}: not UTF-8 text (save the file as CSV UTF-8)"]) from exc


def _read_header(
    line: int, header: list[str], required: Sequence[str], known: Sequence[str],
    aliases: Mapping[str, str] | None = None,
) -> list[str]:
    columns = [name.strip().lower() for name in header]
    if aliases:
        columns = [aliases.get(name, name) for name in columns]
    problems: list[str] = []
    missing = [name for name in required if name not in columns]
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    unknown = [name for name in columns if name not in known]
    if unknown:
        problems.append(f"unknown column(s): {', '.join(unknown)} (known: {', '.join(known)})")
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        problems.append(f"repeated column(s): {', '.join(repeated)}")
    if problems:
        raise CsvImportError([f"line {line}: {'; '.join(problems)}"])
    return columns


def read_csv(path: str | Path, required: Sequence[str], known: Sequence[str]) -> list[CsvRow]:
    """Rows of a UTF-8 (BOM optional) CSV file with a header; raises CsvImportError listing
    every structural problem (header, field count), or OSError when the file cannot be read."""
    text = _decode(Path(path).read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""))
    errors: list[str] = []
    rows: list[CsvRow] = []
    columns: list[str] | None = None
    end = 0
    try:
        for cells in reader:
            start, end = end + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = _read_header(start, cells, required, known)
                continue
            if len(cells) != len(columns):
                errors.append(
                    f"line {start}: expected {len(columns)} fields, found {len(cells)}"
                )
                continue
            rows.append(CsvRow(start, {c: v.strip() for c, v in zip(columns, cells, strict=True)}))
    except csv.Error as exc:
        errors.append(f"line {end + 1}: {exc}")
    if columns is None:
        raise CsvImportError([f"line 1: empty file, expected a header: {','.join(known)}"])
    if errors:
        raise CsvImportError(errors)
    return rows


SNIFF_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t")
# Excel on a Chinese Windows saves "CSV" as GBK; GB18030 is its superset and decodes it all.
FALLBACK_ENCODING = "gb18030"
_UNDECODED = re.compile("[\udc80-\udcff]")


def sniff_encoding(sample: bytes) -> str:
    """The encoding of a file starting with `sample`: "utf-8-sig" (BOM optional) or, for
    text that is not UTF-8 but is valid GBK/GB18030, "gb18030"; CsvImportError otherwise."""
    for encoding in ("utf-8-sig", FALLBACK_ENCODING):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
            return encoding
        except UnicodeDecodeError:
            continue
    raise CsvImportError(["line 1: neither UTF-8 nor GBK text (save the file as CSV UTF-8)"])


def sniff_delimiter(first_line: str) -> str:
    """The separator a header line uses: comma, semicolon (European Excel) or tab."""
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


@dataclass
class CsvStream:
    """A large CSV file read row by row (never all in memory): encoding (UTF-8 with or without
    BOM, else GBK) and separator (`,` `;` or tab) detected, header aliases mapped.

    `rows()` yields the well-formed rows; structural problems (field counts, bad bytes) are
    collected in `errors` with their line; a bad header raises CsvImportError at once.
    `progress` is the share of the file read so far (0..1)."""

    path: Path
    required: Sequence[str]
    known: Sequence[str]
    aliases: Mapping[str, str] = field(default_factory=dict)
    encoding: str = ""
    delimiter: str = ","
    columns: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    size: int = 0
    _raw: io.BufferedReader | None = None

    @property
    def progress(self) -> float:
        """How much of the file has been read (by bytes)."""
        if self._raw is None or not self.size:
            return 1.0
        return min(1.0, self._raw.tell() / self.size)

    def rows(self) -> Iterator[CsvRow]:
        """The data rows, in file order, with their physical line numbers."""
        self.size = self.path.stat().st_size
        with self.path.open("rb") as raw:
            self._raw = raw
            sample = raw.read(SNIFF_BYTES)
            raw.seek(0)
            self.encoding = sniff_encoding(sample)
            # undecodable bytes become lone surrogates, found on their row (its line reported)
            text = io.TextIOWrapper(raw, encoding=self.encoding, errors="surrogateescape",
                                    newline="")
            first = sample.split(b"\n", 1)[0].decode(self.encoding, errors="replace")
            self.delimiter = sniff_delimiter(first)
            yield from self._parse(csv.reader(text, delimiter=self.delimiter))
        self._raw = None

    def _parse(self, reader: Iterator[list[str]]) -> Iterator[CsvRow]:
        columns: list[str] | None = None
        end = 0
        try:
            for cells in reader:
                start, end = end + 1, reader.line_num  # type: ignore[attr-defined]
                if not any(cell.strip() for cell in cells):
                    continue
                if any(_UNDECODED.search(cell) for cell in cells):
                    name = "UTF-8" if self.encoding.startswith("utf-8") else "GBK (GB18030)"
                    self.errors.append(f"line {start}: not {name} text although the file "
                                       f"starts as {name} (save the file as CSV UTF-8)")
                    continue
                if columns is None:
                    columns = _read_header(start, cells, self.required, self.known, self.aliases)
                    self.columns = columns
                    continue
                if len(cells) != len(columns):
                    self.errors.append(
                        f"line {start}: expected {len(columns)} fields, found {len(cells)}"
                    )
                    continue
                yield CsvRow(start, {c: v.strip() for c, v in zip(columns, cells, strict=True)})
        except csv.Error as exc:
            self.errors.append(f"line {end + 1}: {exc}")
        if columns is None:
            raise CsvImportError([f"line 1: empty file, expected a header: {','.join(self.known)}"])


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> tuple[str, int]:
    """A header and rows as CSV text (None cells empty), and the row count."""
    count = 0
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
        count += 1
    return buffer.getvalue(), count


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A header and rows as UTF-8 CSV bytes with a BOM (for a file sent in chat)."""
    return csv_text(header, rows)[0].encode("utf-8-sig")


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write a header and rows as UTF-8 with a BOM (Excel opens it correctly); the row count."""
    text, count = csv_text(header, rows)
    Path(path).write_text(text, encoding="utf-8-sig", newline="")
    return count


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else ""


async def export_tickets(path: str | Path, timezone: str = "Asia/Shanghai") -> int:
    """Write every ticket (oldest first) to a CSV file, times in `timezone`; the row count."""
    zone = ZoneInfo(timezone)
    tickets = await Ticket.all().order_by("id").prefetch_related("place", "reporter")
    return write_csv(
        path,
        TICKET_COLUMNS,
        (
            (t.number, t.status, t.category, t.urgency, t.place.code, t.reporter.name,
             t.description, _local(t.created_at, zone), _local(t.updated_at, zone))
            for t in tickets
        ),
    )
