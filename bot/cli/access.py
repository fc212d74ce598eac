"""`python -m bot admin add …` (first administrator: a one-time sign-in link and chat code) and
`python -m bot sessions list|revoke` (web sessions)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli.support import CliError, with_db
from bot.config import Settings


def cmd_admin_add(settings: Settings, args: argparse.Namespace) -> int:
    """Create or find (by phone) the person, give the role, print a sign-in link and a code."""
    from bot.services.people import (
        InvitationService,
        PeopleService,
        WebSignInService,
        public_base,
    )

    if not args.name.strip():
        raise CliError("--name must not be empty")
    people = PeopleService(settings.invite_ttl_hours)
    invitations = InvitationService(people, WebSignInService(people, settings.invite_ttl_hours))
    base, fallback = public_base(settings.public_url, settings.http_port)
    if fallback:
        print(f"warning: HOUQIN_PUBLIC_URL is not set; the link uses {base}, which only works "
              "on this machine", file=sys.stderr)
    invitation = asyncio.run(with_db(settings, lambda: invitations.invite(
        None, args.name, args.phone, args.role)))
    person = invitation.person
    print(f"{'Created' if invitation.created else 'Found'} {person.name} (id {person.id}, "
          f"roles {', '.join(person.roles)}); valid {settings.invite_ttl_hours} h:")
    print(f"  web sign-in link (works once): {base}{invitation.link_path}")
    print(f"  chat binding code: /start {invitation.code}")
    return 0


def _fmt(when) -> str:
    return when.strftime("%Y-%m-%d %H:%M") if when else "-"


def cmd_sessions(settings: Settings, args: argparse.Namespace) -> int:
    """List live web sessions, or revoke one."""
    from bot.services.people import WebSessionService

    sessions = WebSessionService(settings.web_session_days)
    if args.action == "revoke":
        if args.id is None:
            raise CliError("sessions revoke needs a session ID")
        row = asyncio.run(with_db(settings, lambda: sessions.revoke(args.id)))
        print(f"revoked session {row.id}")
        return 0
    rows = asyncio.run(with_db(settings, lambda: sessions.list(args.person)))
    print("ID\tPERSON\tMETHOD\tSTARTED\tLAST SEEN\tIP")
    for row in rows:
        print(f"{row.id}\t{row.person.id} {row.person.name}\t{row.method}\t"
              f"{_fmt(row.created_at)}\t{_fmt(row.last_seen_at)}\t{row.ip or '-'}")
    return 0


def add_access_parsers(sub: argparse._SubParsersAction) -> None:
    """Register `admin` and `sessions`."""
    admin = sub.add_parser("admin", help="administrators: `admin add` prints a one-time "
                           "sign-in link and a chat code")
    admin_sub = admin.add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    add = admin_sub.add_parser("add", help="create or find (by phone) a manager or admin")
    add.add_argument("--name", required=True)
    add.add_argument("--phone", required=True)
    add.add_argument("--role", choices=("manager", "admin"), default="admin")
    add.set_defaults(func=cmd_admin_add)
    sessions = sub.add_parser("sessions", help="web sessions: list [--person ID] | revoke ID")
    sessions.add_argument("action", choices=("list", "revoke"))
    sessions.add_argument("id", nargs="?", type=int, metavar="ID")
    sessions.add_argument("--person", type=int, metavar="ID")
    sessions.set_defaults(func=cmd_sessions)
