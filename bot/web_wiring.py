"""The web chat's injected callables: sessions and sign-in methods bound to the services
(the adapter imports no service or model; bot/app.py hands it these)."""

from __future__ import annotations

from datetime import timedelta

from bot.adapters.web.auth import WebAuth, WebUser
from bot.adapters.web.sign_in import SignInMethods
from bot.config import Settings
from bot.services.container import Services


def web_user(person) -> WebUser:
    """The adapter's view of a person."""
    return WebUser(person_id=person.id, name=person.name, roles=tuple(person.roles or ()),
                   locale=person.locale)


def web_auth(settings: Settings, services: Services) -> WebAuth:
    """A WebAuth whose sessions live in services.web_sessions."""
    sessions = services.web_sessions

    async def resolve(token: str) -> WebUser | None:
        person = await sessions.resolve(token)
        return web_user(person) if person is not None else None

    async def start(person_id: int, method: str, ip: str | None, ua: str | None) -> str:
        person = await services.people.get(person_id)
        return await sessions.start(person, method=method, ip=ip, user_agent=ua)

    async def end_all(person_id: int) -> int:
        return await sessions.end_all(await services.people.get(person_id))

    return WebAuth(settings, resolve, start, sessions.end, end_all)


def web_set_locale(services: Services):
    """The page's language toggle: PeopleService.set_locale, the very setting /lang changes."""

    async def set_locale(person_id: int, locale: str) -> None:
        await services.people.set_locale(await services.people.get(person_id), locale)

    return set_locale


def web_sign_in_methods(services: Services) -> SignInMethods:
    """Links, codes, passwords and registration for the web chat's sign-in routes."""
    sign_in = services.web_sign_in
    settings = services.settings

    async def redeem_link(token: str) -> int:
        return (await sign_in.redeem_link(token)).id

    async def redeem_code(code: str, ip: str | None) -> int:
        return (await sign_in.redeem_code(code, ip)).id

    async def login(name: str, password: str, ip: str | None) -> int:
        return (await sign_in.login(name, password, ip)).id

    async def register(name: str, phone: str, password: str, locale: str | None) -> int:
        person = await sign_in.register(name, phone, password, locale,
                                        open_reporting=settings.open_reporting)
        return person.id

    async def set_password(person_id: int, password: str) -> None:
        await sign_in.set_password(await services.people.get(person_id), password)

    async def has_password(person_id: int) -> bool:
        return await sign_in.has_password(await services.people.get(person_id))

    return SignInMethods(redeem_link, redeem_code, login, register, set_password, has_password,
                         open_reporting=settings.open_reporting)


def extra_sign_in(app) -> None:
    """Mount "sign in with my chat", WeCom OAuth2 and the Telegram Login Widget on the web
    chat of a HouqinApp (after its notifier exists: chat codes are sent through it)."""
    from bot.adapters.web.signin_methods import (
        ChatCodeMethods,
        ExtraSignInRoutes,
        TelegramLogin,
        WeComLogin,
    )
    from bot.services.people import ChatSignInService, ExternalSignInService

    settings: Settings = app.settings
    services: Services = app.services
    sign_in = services.web_sign_in
    chat = ChatSignInService(app.notifier)
    external = ExternalSignInService(
        settings.telegram_token, timedelta(seconds=settings.telegram_login_max_age_seconds))

    async def signed_in(person) -> int:
        await sign_in.bind_web(person)  # the notifier reaches them in the web chat too
        return person.id

    async def request(login: str, ip: str | None) -> None:
        await chat.request_code(login, ip)

    async def redeem(login: str, code: str, ip: str | None) -> int:
        return await signed_in(await chat.verify_code(login, code, ip))

    wecom = None
    adapter = app.adapters.get("wecom")
    if adapter is not None and getattr(adapter, "api", None) is not None:
        async def wecom_person(user_id: str) -> int:
            return await signed_in(await external.wecom_member(user_id))

        wecom = WeComLogin(settings.wecom_corp_id or "", settings.wecom_agent_id or "",
                           adapter.api.user_from_code, wecom_person)
    telegram = None
    if settings.telegram_bot_username and settings.telegram_token:
        async def telegram_person(data: dict[str, str]) -> int:
            return await signed_in(await external.telegram_login(data))

        telegram = TelegramLogin(settings.telegram_bot_username.lstrip("@"), telegram_person)
    routes = ExtraSignInRoutes(app.http, app.web_auth, app.translator,
                               public_url=settings.public_url,
                               chat_code=ChatCodeMethods(request, redeem), wecom=wecom,
                               telegram=telegram)
    app.adapters["web"].sign_in_offers = routes.offers()
