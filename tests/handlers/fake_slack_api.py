"""A local fake of the Slack Web API: records every call with its arguments, answers like Slack,
and can be told to answer the next call of a method with a 429 (Retry-After) or a 5xx."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_USER = "UBOT"


@dataclass
class Call:
    method: str
    args: dict[str, Any]


@dataclass
class FakeSlack:
    url: str = ""
    calls: list[Call] = field(default_factory=list)
    group_members: dict[str, list[str]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    failures: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    uploads: list[bytes] = field(default_factory=list)
    _ts: int = 0

    def fail_next(self, method: str, status: int, headers: dict[str, str] | None = None) -> None:
        self.failures.setdefault(method, []).append((status, headers or {}))

    def of(self, method: str) -> list[dict[str, Any]]:
        return [call.args for call in self.calls if call.method == method]

    def next_ts(self) -> str:
        self._ts += 1
        return f"1700000000.{self._ts:06d}"

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(dict(await request.post()))
        self.calls.append(Call(method, args))
        pending = self.failures.get(method)
        if pending:
            status, headers = pending.pop(0)
            error = "ratelimited" if status == 429 else "fatal_error"
            return web.json_response({"ok": False, "error": error}, status=status, headers=headers)
        return web.json_response(self._answer(method, args))

    async def upload(self, request: web.Request) -> web.Response:
        self.uploads.append(await request.read())
        return web.Response(text="OK")

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        match method:
            case "auth.test":
                return {
                    "ok": True,
                    "user_id": BOT_USER,
                    "bot_id": "BBOT",
                    "team_id": "T1",
                    "user": "borderdesk",
                }
            case "chat.postMessage":
                return {"ok": True, "channel": args["channel"], "ts": self.next_ts()}
            case "chat.update":
                return {"ok": True, "channel": args["channel"], "ts": args["ts"]}
            case "chat.postEphemeral":
                return {"ok": True, "message_ts": self.next_ts()}
            case "usergroups.users.list":
                return {"ok": True, "users": self.group_members.get(args.get("usergroup", ""), [])}
            case "users.info":
                user = args["user"]
                return {
                    "ok": True,
                    "user": {"id": user, "profile": {"display_name": self.names.get(user, user)}},
                }
            case "files.getUploadURLExternal":
                return {"ok": True, "upload_url": f"{self.url}upload/F1", "file_id": "F1"}
            case "files.completeUploadExternal":
                return {"ok": True, "files": [{"id": "F1", "title": "file"}]}
            case _:
                return {"ok": True}


@asynccontextmanager
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """Serve the fake on 127.0.0.1, port 0; `url` is the base URL to configure (ends with /)."""
    fake = FakeSlack()
    app = web.Application()
    app.router.add_post("/upload/{file}", fake.upload)
    app.router.add_route("*", "/{method}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    fake.url = f"http://127.0.0.1:{port}/"
    try:
        yield fake
    finally:
        await runner.cleanup()


def decoded(value: Any) -> Any:
    """Form-encoded JSON arguments (blocks, files) as Python values."""
    return json.loads(value) if isinstance(value, str) else value
