"""`python -m bot invite --csv FILE.csv --out invites.pdf|DIR|invites.csv`: one one-time code
per row (new or imported people), printed on A4 invitation cards or listed for mail merge."""

from __future__ import annotations

import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.cli.roster import ProgressBar
from bot.cli.support import CliError
from bot.config import Settings
from bot.core.i18n import SUPPORTED, Translator
from bot.core.qr_links import scan_url, web_base
from bot.services.assets import find_cjk_font
from bot.services.people import (
    LINK_PATH,
    BulkInvitations,
    Card,
    CardLink,
    CardPrinter,
    IssuedInvite,
    PeopleService,
    write_codes_csv,
)

CARD_LOCALES = ("zh_CN", "en")  # cards are printed in both languages, Chinese first


def channels(settings: Settings) -> list[str]:
    """The channels a card links to: Telegram (bot username set), WeCom (configured with a
    public URL for its landing page) and always the web sign-in."""
    found = []
    if settings.telegram_bot_username:
        found.append("telegram")
    if settings.wecom_enabled and settings.wecom_corp_id and settings.public_url:
        found.append("wecom")
    return [*found, "web"]


def both(translator: Translator, key: str, **fields: object) -> str:
    """A text in Chinese and English (once when they are the same), as a card shows it."""
    texts = [translator(loc, key, **fields) for loc in CARD_LOCALES if loc in SUPPORTED]
    return " / ".join(dict.fromkeys(texts))


def card_of(settings: Settings, translator: Translator, invite: IssuedInvite,
            wanted: list[str], expires: str) -> Card:
    """The card (and mail-merge row) of one invitation."""
    links = {}
    for channel in wanted:
        url = (web_base(settings) + LINK_PATH + invite.token if channel == "web"
               else scan_url(settings, invite.code, channel))
        links[channel] = CardLink(both(translator, f"invite.card_{channel}"), url)
    return Card(member_id=invite.member_id, name=invite.person.name,
                department=invite.person.department or "", code=invite.code, links=links,
                title=both(translator, "invite.card_title"),
                code_label=both(translator, "invite.card_code"),
                expires=both(translator, "invite.card_expires", time=expires),
                hint=both(translator, "invite.card_hint", code=invite.code))


async def run_bulk(settings: Settings, source: Path, out: Path, font: str | None) -> list[str]:
    """Issue the invitations and write the output; the lines to print."""
    kind = out.suffix.lower()
    if kind in (".pdf", ".csv") and not out.parent.is_dir():
        raise CliError(f"no such directory: {out.parent}")
    if kind not in (".pdf", ".csv") and out.exists() and not out.is_dir():
        raise CliError(f"{out} exists and is not a folder (use .pdf or .csv)")
    bar = ProgressBar()
    try:
        invites = await BulkInvitations(PeopleService(settings.invite_ttl_hours)).issue(
            source, progress=bar)
    finally:
        bar.close()
    translator = Translator(settings.default_locale)
    zone = ZoneInfo(settings.timezone)
    wanted = channels(settings)
    expiries = [i.expires_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") for i in invites]
    cards = [card_of(settings, translator, invite, wanted, when)
             for invite, when in zip(invites, expiries, strict=True)]
    lines = [f"{len(cards)} invitation(s), valid {settings.invite_ttl_hours} h "
             f"(earlier unused codes of these people revoked); links: {', '.join(wanted)}"]
    if kind == ".csv":
        write_codes_csv(cards, out, expiries)
        lines.append(f"codes and links written to {out}")
        return lines
    font_path = find_cjk_font(font)
    if font_path is None:
        print("warning: no CJK font found (Debian: apt-get install fonts-noto-cjk, or --font "
              "PATH); Chinese text is left out of the cards", file=sys.stderr)
    printer = CardPrinter(font_path)
    if kind == ".pdf":
        printer.write_pdf(cards, out)
        lines.append(f"cards written to {out} ({(len(cards) + 3) // 4} A4 page(s))")
    else:
        printer.write_folder(cards, out)
        lines.append(f"one card PDF per person written to {out}/")
    return lines
