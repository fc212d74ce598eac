"""`python -m bot admin add …` (first administrator: a one-time sign-in link and chat code),
`python -m bot sessions list|revoke` (web sessions) and `python -m bot people unbind ID` (chat
bindings)."""

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


def cmd_people_unbind(settings: Settings, args: argparse.Namespace) -> int:
    """Remove a person's chat bindings, so they can verify again from their new chat."""
    from bot.services.people import PeopleService, SelfVerification

    verification = SelfVerification(PeopleService(settings.invite_ttl_hours))
    removed = asyncio.run(with_db(settings, lambda: verification.unbind(args.id, args.platform)))
    where = f" on {args.platform}" if args.platform else ""
    print(f"removed {removed} binding(s){where} of person {args.id}; they can verify again "
          "from their new chat (id or phone and name)")
    return 0


def add_access_parsers(sub: argparse._SubParsersAction) -> None:
    """Register `admin`, `sessions` and `people`."""
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
    people = sub.add_parser("people", help="people: unbind ID [--platform P] (move a chat "
                            "binding: the person verifies again from the new chat)")
    people_sub = people.add_subparsers(dest="people_command", metavar="ACTION", required=True)
    unbind = people_sub.add_parser("unbind", help="remove the chat bindings of person ID")
    unbind.add_argument("id", type=int, metavar="ID", help="the person's id")
    unbind.add_argument("--platform", choices=("telegram", "wecom", "web"),
                        help="only this platform's binding (default: all)")
    unbind.set_defaults(func=cmd_people_unbind)
