"""Reading and validating what the web chat page posts (JSON or multipart)."""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from bot.core.json_body import BadJson, parse_json

CLIENT_ID_RE = re.compile(r"^[\w.:-]{1,100}$")
COMMAND_RE = re.compile(r"^[A-Za-z0-9_]{1,64}$")
MIME_RE = re.compile(r"^[\w.+-]{1,64}/[\w.+-]{1,128}$")
FILE_FIELDS = ("photo", "file")
MAX_JSON_BYTES = 1024 * 1024
MAX_CALLBACK_CHARS = 1000


class RequestError(Exception):
    """A request the page should not have sent; becomes a JSON error response."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def response(self) -> web.Response:
        """The JSON error response for this failure."""
        return web.json_response(
            {"error": self.code, "message": self.message}, status=self.status
        )


@dataclass
class UploadedFile:
    """One file part of a multipart post."""

    data: bytes
    mime: str
    file_name: str | None


@dataclass
class SendForm:
    """A validated `/api/web/send` request (who sends it comes from the session, not the body)."""

    client_id: str | None
    text: str | None = None
    callback: str | None = None
    message_id: str | None = None
    locale: str | None = None
    files: list[UploadedFile] = field(default_factory=list)


def parse_command(text: str | None) -> tuple[str | None, list[str]]:
    """Split '/start CODE' into ('start', ['CODE']); (None, []) for ordinary text."""
    if not text:
        return None, []
    parts = text.strip().split()
    if not parts or not parts[0].startswith("/"):
        return None, []
    name = parts[0][1:].split("@", 1)[0]
    if not COMMAND_RE.match(name):
        return None, []
    return name.lower(), parts[1:]


def _str_field(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise RequestError(400, "bad_field", f"field {name!r} must be a string")
    return value


def _validate(data: dict[str, Any], files: list[UploadedFile], max_text_chars: int) -> SendForm:
    client_id = _str_field(data, "client_id")
    if client_id is not None and not CLIENT_ID_RE.match(client_id):
        raise RequestError(400, "bad_client_id", "client_id has unexpected characters")
    text = _str_field(data, "text")
    if text is None:
        text = _str_field(data, "caption")
    if text is not None and len(text) > max_text_chars:
        raise RequestError(413, "text_too_long", f"text is longer than {max_text_chars} chars")
    text = text.strip() if text else None
    callback = _str_field(data, "callback") or None
    if callback is not None and len(callback) > MAX_CALLBACK_CHARS:
        raise RequestError(413, "callback_too_long", "callback payload is too long")
    if not (text or callback or files):
        raise RequestError(400, "empty", "send text, a callback or a file")
    return SendForm(
        client_id=client_id,
        text=None if callback else text,
        callback=callback,
        message_id=_str_field(data, "message_id") or None,
        locale=_str_field(data, "locale"),
        files=files,
    )


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The request's JSON object body (at most MAX_JSON_BYTES), else RequestError 400/413."""
    return await _read_json(request)


async def _read_json(request: web.Request) -> dict[str, Any]:
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise RequestError(413, "too_large", "request body is too large")
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > MAX_JSON_BYTES:
            raise RequestError(413, "too_large", "request body is too large")
    try:
        data = parse_json(bytes(body) or b"{}")
    except BadJson as exc:
        raise RequestError(400, "bad_json", f"request body is {exc}") from exc
    if not isinstance(data, dict):
        raise RequestError(400, "bad_json", "request body must be a JSON object")
    return data


async def _read_part(part: BodyPartReader, limit: int, too_large: RequestError) -> bytes:
    buf = bytearray()
    while chunk := await part.read_chunk(256 * 1024):
        buf += chunk
        if len(buf) > limit:
            raise too_large
    return bytes(buf)


async def _read_multipart(
    request: web.Request, max_upload_bytes: int, max_text_chars: int
) -> tuple[dict[str, Any], list[UploadedFile]]:
    too_big = RequestError(413, "file_too_large", f"files are limited to {max_upload_bytes} bytes")
    if (request.content_length or 0) > max_upload_bytes + MAX_JSON_BYTES:
        raise too_big
    fields: dict[str, Any] = {}
    files: list[UploadedFile] = []
    used = 0
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise RequestError(400, "bad_multipart", "nested multipart is not supported")
            if part.name in FILE_FIELDS and part.filename is not None:
                data = await _read_part(part, max_upload_bytes - used, too_big)
                used += len(data)
                if not data and not part.filename:
                    continue  # an empty file input
                declared = (part.headers.get("Content-Type") or "").split(";")[0].strip()
                if not declared or declared == "application/octet-stream":
                    declared = mimetypes.guess_type(part.filename)[0] or declared
                mime = declared.lower() if MIME_RE.match(declared) else "application/octet-stream"
                files.append(UploadedFile(data, mime, part.filename or None))
            elif part.name:
                too_long = RequestError(413, "text_too_long", f"field {part.name!r} is too long")
                raw = await _read_part(part, max_text_chars * 4 + 16, too_long)
                fields[part.name] = raw.decode("utf-8", errors="replace")
    except (ValueError, AssertionError) as exc:
        raise RequestError(400, "bad_multipart", f"could not read the upload: {exc}") from exc
    return fields, files


async def read_send_form(
    request: web.Request, max_upload_bytes: int, max_text_chars: int
) -> SendForm:
    """Read and validate a send request, raising RequestError (400/413) when it is bad."""
    if request.content_type.startswith("multipart/"):
        data, files = await _read_multipart(request, max_upload_bytes, max_text_chars)
    else:
        data, files = await _read_json(request), []
    return _validate(data, files, max_text_chars)
