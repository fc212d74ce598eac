"""`python -m bot wecom menu|sync-users`: set up the WeCom app from the command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from bot.adapters.wecom.api import WeComApi, WeComApiError
from bot.cli.support import CliError, with_db
from bot.config import Settings
from bot.core.i18n import SUPPORTED


def _api(settings: Settings, *needed: str) -> WeComApi:
    missing = [name for name in ("corp_id", "secret", *needed)
               if not getattr(settings, f"wecom_{name}")]
    if missing:
        names = ", ".join(f"HOUQIN_WECOM_{name.upper()}" for name in missing)
        raise CliError(f"set {names} first (the WeCom app's credentials)")
    return WeComApi(settings.wecom_corp_id or "", settings.wecom_secret or "",
                    settings.wecom_api_url)


async def _closing(api: WeComApi, work: Any) -> Any:
    try:
        return await work
    except WeComApiError as exc:
        raise CliError(f"WeCom refused: {exc}") from exc
    finally:
        await api.close()


def cmd_menu(settings: Settings, args: argparse.Namespace) -> int:
    """Create the app's custom menu in the configured (or given) locale."""
    from bot.adapters.wecom.menu import build_menu, web_chat_url
    from bot.core.i18n import Translator
    from handlers import build_router

    locale = args.locale or settings.wecom_menu_locale or settings.default_locale
    if locale not in SUPPORTED:
        raise CliError(f"unknown locale {locale!r}; choose from {', '.join(SUPPORTED)}")
    commands = set(build_router().commands)
    menu, omitted = build_menu(Translator(settings.default_locale), locale, commands,
                               web_chat_url(settings.public_url, settings.webchat))
    if args.dry_run:
        print(json.dumps(menu, ensure_ascii=False, indent=2))
        return 0
    api = _api(settings, "agent_id")
    asyncio.run(_closing(api, api.create_menu(str(settings.wecom_agent_id), menu)))
    names = [entry["name"] for entry in menu["button"]]
    print(f"WeCom menu set ({locale}): {' / '.join(names)}")
    if omitted:
        print(f"left out (no such command here yet): {', '.join(omitted)}")
    return 0


def cmd_sync_users(settings: Settings, args: argparse.Namespace) -> int:
    """Import the members of a WeCom department (and sub-departments) as people, with their
    department names and (where the app may read it) mobile."""
    from bot.services.people import PeopleService, WeComDirectory, department_names

    async def fetch() -> tuple[list[dict], dict[int, str], str | None]:
        api = _api(settings)
        try:
            users = await api.list_users(args.department, not args.no_children)
            try:
                names = department_names(await api.list_departments(args.department))
                note = None
            except WeComApiError as exc:  # no permission for the directory's departments
                names, note = {}, f"department names not readable ({exc}); left as they were"
            return users, names, note
        except WeComApiError as exc:
            raise CliError(f"WeCom refused: {exc}") from exc
        finally:
            await api.close()

    users, names, note = asyncio.run(fetch())
    if note:
        print(f"warning: {note}", file=sys.stderr)
    directory = WeComDirectory(PeopleService(settings.invite_ttl_hours))
    result = asyncio.run(with_db(settings, lambda: directory.sync_users(users, names)))
    print(f"WeCom department {args.department}: {len(users)} member(s), "
          f"{len(names)} department name(s); {result}")
    return 0


def add_wecom_parser(sub: Any) -> None:
    """Register `wecom menu` and `wecom sync-users` on the main parser's subcommands."""
    wecom = sub.add_parser("wecom", help="WeCom app setup: custom menu, directory import")
    actions = wecom.add_subparsers(dest="wecom_command", metavar="ACTION", required=True)
    menu = actions.add_parser("menu", help="create the app menu (报修 / 我的报修 / 更多)")
    menu.add_argument("--locale", help=" or ".join(SUPPORTED) + " (default: "
                      "HOUQIN_WECOM_MENU_LOCALE, else HOUQIN_DEFAULT_LOCALE)")
    menu.add_argument("--dry-run", action="store_true", help="print the menu, do not send it")
    menu.set_defaults(func=cmd_menu)
    sync = actions.add_parser("sync-users", help="import department members (user/list) "
                              "as people, binding their WeCom accounts")
    sync.add_argument("--department", type=int, default=1, help="department id (1: the root)")
    sync.add_argument("--no-children", action="store_true",
                      help="only the department itself, not its sub-departments")
    sync.set_defaults(func=cmd_sync_users)
