"""An imported campus whose codes are not the demo's: dorm blocks D1…D30 (学生公寓N栋), teaching
buildings T1…T3 (第一教学楼, 一教/教一), an international hall with bare room codes (1203),
named areas; written as a places CSV and imported through the real importer."""

from __future__ import annotations

from pathlib import Path

from bot.services.people import import_places

CN = "一二三四五六七八九"
HEADER = "code,kind,name_zh,name_en,parent_code,zone,aliases\n"
AREAS = (
    ("LIB", "area", "图书馆", "Library", "", "north", "library|tsg"),
    ("LAB-A", "building", "实验楼A座", "Lab Building A", "", "north", "实验A"),
    ("LAB-B", "building", "实验楼B座", "Lab Building B", "", "north", ""),
    ("CAN1", "area", "第一食堂", "First Canteen", "", "south", "一食堂|一餐"),
    ("CAN2", "area", "第二食堂", "Second Canteen", "", "south", "二食堂"),
    ("GYM", "area", "体育馆", "Gymnasium", "", "south", "gym"),
    ("ADM", "building", "行政楼", "Admin Building", "", "north", ""),
    ("INTL", "building", "留学生公寓", "International Hall", "", "south", "留学生楼"),
    ("G2", "building", "研究生公寓2号楼", "Graduate Hall 2", "", "north", ""),
)


DORM_ROOMS = ("101", "102", "305", "306", "408", "505", "610")


def campus_rows(blocks: int = 30) -> list[str]:
    """The CSV lines (without header) of the campus."""
    lines = [",".join(area) for area in AREAS]
    for n in range(1, blocks + 1):
        lines.append(f"D{n},building,学生公寓{n}栋,Dorm {n},,north,{n}栋|{n}号公寓")
        for label in DORM_ROOMS:
            lines.append(f"D{n}-{label},room,学生公寓{n}栋{label}室,Dorm {n} Room {label},"
                         f"D{n},north,")
    for t in range(1, 4):
        zh = f"第{CN[t - 1]}教学楼"
        lines.append(f"T{t},building,{zh},Teaching Building {t},,north,"
                     f"{CN[t - 1]}教|教{CN[t - 1]}")
        for label in ("101", "102", "201", "202", "301", "302"):
            lines.append(f"T{t}-{label},room,{zh}{label},Teaching {t} Room {label},T{t},north,")
    for label in ("1203", "1204", "1301"):
        lines.append(f"{label},room,留学生公寓{label},International Hall {label},INTL,south,")
    for label in ("301", "302"):
        lines.append(f"LAB-A-{label},room,实验楼A座{label},Lab A Room {label},LAB-A,north,")
        lines.append(f"LAB-B-{label},room,实验楼B座{label},Lab B Room {label},LAB-B,north,")
    for label in ("305", "306"):
        lines.append(f"G2-{label},room,研究生公寓2号楼{label},Graduate Hall 2 Room {label},G2,"
                     "north,")
    return lines


def write_campus(folder: Path, extra: tuple[str, ...] = ()) -> Path:
    """Write the campus CSV (plus `extra` lines) into `folder`; its path."""
    path = folder / "campus_places.csv"
    path.write_text(HEADER + "\n".join([*campus_rows(), *extra]) + "\n", encoding="utf-8")
    return path


async def import_campus(folder: Path, extra: tuple[str, ...] = ()) -> None:
    """Import the campus through the real places CSV importer."""
    await import_places(write_campus(folder, extra))
