"""`python -m bot qr rooms|assets [--building B] [--link telegram|wecom|web] OUT.pdf|OUT_DIR`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.config import Settings
from bot.core.qr_links import LINK_TARGETS, default_target


def cmd_qr(settings: Settings, args: argparse.Namespace) -> int:
    """Print QR labels for rooms or assets into an A4 PDF or a folder of PNGs."""
    from bot.cli.support import CliError, with_db
    from bot.core.qr_links import PayloadTooLong
    from bot.services.assets import collect_labels, find_cjk_font, write_labels

    out = Path(args.out)
    if out.suffix.lower() == ".pdf" and not out.parent.is_dir():
        raise CliError(f"no such directory: {out.parent}")
    if out.suffix.lower() != ".pdf" and out.exists() and not out.is_dir():
        raise CliError(f"{out} exists and is not a folder (use OUT.pdf for a PDF)")
    target = args.link or default_target(settings)
    try:
        labels = asyncio.run(with_db(
            settings, lambda: collect_labels(settings, args.kind, args.building, target)
        ))
    except (PayloadTooLong, ValueError) as exc:
        raise CliError(str(exc)) from exc
    if not labels:
        raise CliError(f"no {args.kind} to label" + (f" in building {args.building}"
                                                      if args.building else ""))
    font = find_cjk_font(args.font)
    if font is None:
        print("warning: no CJK font found (Debian: apt-get install fonts-noto-cjk, or "
              "--font PATH); the labels show the English names only", file=sys.stderr)
    written = write_labels(labels, out, font)
    where = written[0] if out.suffix.lower() == ".pdf" else out
    print(f"{len(labels)} {args.kind} labels ({target} links) written to {where}")
    print(f"example: {labels[0].code} -> {labels[0].url}")
    return 0


def add_qr_parser(sub: argparse._SubParsersAction) -> None:
    """The `qr` subcommand."""
    qr = sub.add_parser("qr", help="printable QR labels for rooms or assets (A4 PDF or PNGs)")
    qr.add_argument("kind", choices=("rooms", "assets"), metavar="KIND", help="rooms | assets")
    qr.add_argument("out", metavar="OUT.pdf|OUT_DIR",
                    help="a .pdf file (A4, 8 labels a page) or a folder (one PNG per label)")
    qr.add_argument("--building", metavar="B", help="only this building's rooms/assets")
    qr.add_argument("--link", choices=LINK_TARGETS,
                    help="what the QR opens (default: telegram when "
                    "HOUQIN_TELEGRAM_BOT_USERNAME is set, else wecom when WeCom and "
                    "HOUQIN_PUBLIC_URL are set, else the web chat)")
    qr.add_argument("--font", metavar="PATH", help="a CJK font file (.ttc/.ttf)")
    qr.set_defaults(func=cmd_qr)
