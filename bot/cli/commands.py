"""The command line's commands: `python -m bot [run|migrate|seed|import|export|invite|wecom] …`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from pydantic import ValidationError
from tortoise.exceptions import BaseORMException

from bot.cli.support import CliError, fail, split_values, with_db
from bot.config import Settings
from bot.core.errors import ServiceError
from bot.core.i18n import SUPPORTED
from bot.services.csv_format import CsvImportError
from models.people import ROLES

IMPORT_KINDS = ("places", "people", "dorms", "stores", "stock", "inspections", "meters",
                "readings", "assets")
EXPORT_KINDS = ("places", "people", "tickets", "dorms", "stores", "stock", "ledger",
                "meters", "readings", "assets", "asset-checks", "scorecards")


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    """Start the bot with everything configured, until Ctrl-C / SIGTERM."""
    from bot.app import run_app

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_app(settings))
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    """Run the local demo (demo campus, person picker, 127.0.0.1 only), or with `--purge`
    remove the demo people and what they created from the configured database."""
    if args.purge:
        from bot.services.demo import purge_demo

        summary = asyncio.run(with_db(settings, purge_demo))
        removed = ", ".join(f"{table} {n}" for table, n in sorted(summary.removed.items()) if n)
        print(f"removed {summary.people} demo people" + (f" ({removed})" if removed else ""))
        return 0
    if settings.http_host not in ("127.0.0.1", "localhost", "::1"):
        print(f"the demo listens on 127.0.0.1 only (not {settings.http_host})", file=sys.stderr)
    demo = settings.model_copy(update={"demo": True, "webchat": True, "http_host": "127.0.0.1"})
    return cmd_run(demo, args)


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    """Apply pending database migrations."""
    from bot.db import close_db, migrate

    async def work() -> None:
        try:
            await migrate(settings.database_url)
        finally:
            await close_db()  # also after a failed migration, or asyncio.run never returns

    asyncio.run(work())
    print(f"database is up to date: {settings.database_url}")
    return 0


def cmd_seed(settings: Settings, args: argparse.Namespace) -> int:
    """Load demo content into the configured database."""
    from bot.services.demo import seed_demo
    from bot.services.people import PeopleService

    if not args.demo:
        raise CliError("nothing to seed: use `seed --demo` to load the demo campus")
    summary = asyncio.run(
        with_db(settings, lambda: seed_demo(PeopleService(settings.invite_ttl_hours)))
    )
    print(summary)
    print("`python -m bot demo` runs it with the web chat's person picker")
    return 0


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    """Import places or people from a CSV file (all rows or none)."""
    from bot.services.people import PeopleService, import_places

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"no such file: {path}")
    if args.deactivate_missing and args.kind != "people":
        raise CliError("--deactivate-missing is for `import people` only")
    if args.kind == "places":
        result = asyncio.run(with_db(settings, lambda: import_places(path)))
    elif args.kind in ("stores", "stock"):
        from bot.services.stock import import_stock, import_stores

        importer = import_stores if args.kind == "stores" else import_stock
        result = asyncio.run(with_db(settings, lambda: importer(path)))
    elif args.kind == "inspections":
        from bot.services.inspections import import_inspections
        from bot.services.repairs import load_categories

        categories = load_categories(settings.categories_file)
        result = asyncio.run(with_db(settings, lambda: import_inspections(
            path, settings.timezone, categories=categories)))
    elif args.kind in ("meters", "readings"):
        from bot.services.energy import import_meters, import_readings

        result = asyncio.run(with_db(settings, lambda: import_meters(path))
                             if args.kind == "meters" else
                             with_db(settings, lambda: import_readings(path, settings.timezone)))
    elif args.kind == "assets":
        from bot.services.assets import import_assets

        result = asyncio.run(with_db(settings, lambda: import_assets(path)))
    elif args.kind == "dorms":
        from bot.services.dorms import import_roster

        people = PeopleService(settings.invite_ttl_hours)
        result = asyncio.run(
            with_db(settings, lambda: import_roster(path, settings.timezone, people))
        )
    else:
        from bot.cli.roster import run_import

        lines = asyncio.run(with_db(
            settings, lambda: run_import(settings, path, args.deactivate_missing)
        ))
        print("\n".join(lines))
        return 0
    print(f"{args.kind}: {result}")
    return 0


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """Export places, people or tickets to a CSV file (UTF-8 with BOM, Excel-friendly);
    `export scorecards MONTH FILE.csv` takes the month first."""
    from bot.services.assets import export_asset_checks, export_assets
    from bot.services.csv_format import export_tickets
    from bot.services.dorms import export_roster
    from bot.services.energy import export_meters, export_readings
    from bot.services.people import export_people, export_places
    from bot.services.stock import export_ledger, export_stock, export_stores

    if args.kind == "scorecards":
        return _export_scorecards(settings, args)
    if args.more:
        raise CliError(f"export {args.kind} takes one FILE.csv")
    path = Path(args.file)
    if not path.parent.is_dir():
        raise CliError(f"no such directory: {path.parent}")
    exporters: dict[str, Callable[[], Awaitable[int]]] = {
        "places": lambda: export_places(path),
        "people": lambda: export_people(path),
        "tickets": lambda: export_tickets(path, settings.timezone),
        "dorms": lambda: export_roster(path, settings.timezone),
        "stores": lambda: export_stores(path),
        "stock": lambda: export_stock(path),
        "ledger": lambda: export_ledger(path, settings.timezone),
        "meters": lambda: export_meters(path),
        "readings": lambda: export_readings(path, settings.timezone),
        "assets": lambda: export_assets(path),
        "asset-checks": lambda: export_asset_checks(path, settings.timezone),
    }
    count = asyncio.run(with_db(settings, exporters[args.kind]))
    print(f"exported {count} {args.kind} to {path}")
    return 0


def _export_scorecards(settings: Settings, args: argparse.Namespace) -> int:
    """`export scorecards MONTH FILE.csv`: every worker's card of MONTH, ranked."""
    from bot.services.scorecards import Month, ScorecardService

    if not args.more:
        raise CliError("usage: export scorecards MONTH FILE.csv (MONTH like 2026-11)")
    try:
        month = Month.parse(args.file)
    except ServiceError:
        raise CliError(f"not a month: {args.file} (write it like 2026-11)") from None
    path = Path(args.more)
    if not path.parent.is_dir():
        raise CliError(f"no such directory: {path.parent}")
    service = ScorecardService.from_settings(settings)
    count = asyncio.run(with_db(settings, lambda: service.export(path, month)))
    print(f"exported {count} scorecards of {month} to {path}")
    return 0


def cmd_invite(settings: Settings, args: argparse.Namespace) -> int:
    """Prepare a person and print a one-time code they send as `/start CODE`; with `--csv`,
    one code per row of a roster file, as invitation cards or a mail-merge CSV."""
    from bot.services.people import PeopleService, normalize_phone

    if args.csv:
        return _invite_bulk(settings, args)
    if args.out:
        raise CliError("--out goes with --csv FILE.csv")
    if not args.name or not args.role:
        raise CliError("give --role and --name (one person), or --csv FILE.csv --out OUT")
    roles = split_values(args.role)
    unknown = [role for role in roles if role not in ROLES]
    if unknown or not roles:
        raise CliError(f"unknown role: {', '.join(unknown) or '(none)'}; "
                       f"choose from {', '.join(ROLES)}")
    name = args.name.strip()
    if not name:
        raise CliError("--name must not be empty")
    if args.locale and args.locale not in SUPPORTED:
        raise CliError(f"unknown locale {args.locale!r}; choose from {', '.join(SUPPORTED)}")
    phone = None
    if args.phone:
        phone = normalize_phone(args.phone)
        if phone is None:
            raise CliError(f"not a phone number: {args.phone}")
    people = PeopleService(settings.invite_ttl_hours)

    async def work() -> str:
        person = await people.create(
            name, roles, phone=phone, locale=args.locale, skills=split_values(args.skills),
            zone=args.zone or None,
        )
        return await people.create_invite(person)

    code = asyncio.run(with_db(settings, work))
    print(f"Invite for {name} ({', '.join(roles)}), valid {settings.invite_ttl_hours} h"
          f" — send: /start {code}")
    print(code)
    return 0


def _invite_bulk(settings: Settings, args: argparse.Namespace) -> int:
    from bot.cli.invites import run_bulk

    source = Path(args.csv)
    if not source.is_file():
        raise CliError(f"no such file: {source}")
    if not args.out:
        raise CliError("--csv needs --out invites.pdf, a folder, or invites.csv")
    if args.name or args.role:
        raise CliError("--name/--role are for one person; the CSV's columns give them in bulk")
    lines = asyncio.run(with_db(settings, lambda: run_bulk(settings, source, Path(args.out),
                                                           args.font)))
    print("\n".join(lines))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Houqin (后勤): the campus logistics chat bot. Settings come from "
        "HOUQIN_* environment variables (or .env).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="start the bot in production: no demo data, web chat behind "
                   "sign-in (the default command)").set_defaults(func=cmd_run)
    demo = sub.add_parser("demo", help="run the local demo: a demo campus and people, a person "
                          "picker in the web chat at http://127.0.0.1:PORT/")
    demo.add_argument("--purge", action="store_true", help="remove the demo people and what they "
                      "created (their chats, tickets, requests, answers) instead, then exit")
    demo.set_defaults(func=cmd_demo)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)

    seed = sub.add_parser("seed", help="load demo content")
    seed.add_argument("--demo", action="store_true", help="the demo campus: buildings, rooms, "
                      "areas and people of every role (safe to run twice)")
    seed.set_defaults(func=cmd_seed)

    imp = sub.add_parser("import", help="import places, people or the dorm roster from CSV "
                         "(all or nothing)")
    imp.add_argument("kind", choices=IMPORT_KINDS, metavar="KIND",
                     help="places | people | dorms | stores | stock | inspections (TOML or CSV) "
                     "| meters | readings | assets")
    imp.add_argument("file", metavar="FILE.csv")
    imp.add_argument("--deactivate-missing", action="store_true",
                     help="people: mark roster people not in the file as gone (no more pushes; "
                     "their open tickets are reported to the managers)")
    imp.set_defaults(func=cmd_import)

    exp = sub.add_parser("export", help="export places, people, tickets or the dorm roster "
                         "to CSV")
    exp.add_argument("kind", choices=EXPORT_KINDS, metavar="KIND",
                     help="places | people | tickets | dorms | stores | stock | ledger | "
                     "meters | readings | assets | asset-checks | scorecards (then MONTH FILE.csv)")
    exp.add_argument("file", metavar="FILE.csv")
    exp.add_argument("more", nargs="?", metavar="FILE.csv", help=argparse.SUPPRESS)
    exp.set_defaults(func=cmd_export)

    inv = sub.add_parser("invite", help="prepare a person and print a one-time /start code; "
                         "or, with --csv, invitation cards for everyone in a roster file")
    inv.add_argument("--role", action="append", metavar="ROLE",
                     help=f"repeatable or comma separated: {', '.join(ROLES)}")
    inv.add_argument("--name")
    inv.add_argument("--csv", metavar="FILE.csv", help="bulk: a roster file (the columns of "
                     "`import people`); its people are imported, then each gets a code")
    inv.add_argument("--out", metavar="OUT.pdf|DIR|OUT.csv", help="bulk: A4 cards (4 a "
                     "page), a folder of one-card PDFs, or a CSV of codes and links")
    inv.add_argument("--font", metavar="PATH", help="bulk: a CJK font file (.ttc/.ttf)")
    inv.add_argument("--skills", action="append", metavar="A,B", help="e.g. plumbing,electrical")
    inv.add_argument("--zone")
    inv.add_argument("--phone")
    inv.add_argument("--locale", help=" or ".join(SUPPORTED))
    inv.set_defaults(func=cmd_invite)

    from bot.cli.backup import add_backup_parsers

    add_backup_parsers(sub)
    from bot.cli.access import add_access_parsers

    add_access_parsers(sub)
    from bot.cli.qr import add_qr_parser

    add_qr_parser(sub)
    from bot.cli.wecom import add_wecom_parser

    add_wecom_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; user errors print to stderr and give exit status 2."""
    args = build_parser().parse_args(argv)
    func = getattr(args, "func", cmd_run)
    try:
        settings = Settings()
    except ValidationError as exc:
        return fail(f"bad HOUQIN_* setting:\n{exc}")
    try:
        return func(settings, args)
    except CliError as exc:
        return fail(str(exc))
    except CsvImportError as exc:
        lines = "\n".join(f"  {error}" for error in exc.errors)
        source = getattr(args, "file", None) or getattr(args, "csv", None)
        return fail(f"{source}: nothing was imported, {len(exc.errors)} problem(s):\n{lines}")
    except ServiceError as exc:
        details = ", ".join(f"{k}={v}" for k, v in exc.fields.items())
        return fail(f"{exc.key} {details}".strip())
    except OSError as exc:
        return fail(str(exc))
    except BaseORMException as exc:
        return fail(f"database error ({settings.database_url}): {exc}", 1)
