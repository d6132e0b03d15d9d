"""Starts the npm `telegram-test-api` emulator (via launch.js) and plays a buyer through its client API."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

EMULATOR_DIR = Path(__file__).resolve().parent
PACKAGE = EMULATOR_DIR / "node_modules" / "telegram-test-api"


def unavailable_reason() -> str | None:
    """Why the emulator cannot run here (no node/npm, or npm ci failed), or None when it can."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node/npm not installed: the telegram-test-api end-to-end tests need Node.js"
    if not PACKAGE.is_dir():
        result = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--silent"],
            cwd=EMULATOR_DIR,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0 or not PACKAGE.is_dir():
            return f"npm ci of telegram-test-api failed: {result.stderr.strip()[-500:]}"
    return None


class Emulator:
    """One emulator process on a free loopback port; messages it has not delivered expire after 30 s."""

    def __init__(self, store_timeout: int = 30) -> None:
        self._process = subprocess.Popen(
            ["node", str(EMULATOR_DIR / "launch.js"), str(store_timeout)],
            cwd=EMULATOR_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            self.stop()
            raise RuntimeError("telegram-test-api did not start")
        self.base_url = f"http://127.0.0.1:{json.loads(line)['port']}"

    def stop(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.terminate()
        self._process.wait(timeout=10)
        if self._process.stdout is not None:
            self._process.stdout.close()


@dataclass
class EmulatedBuyer:
    """A Telegram user writing to the bot through the emulator's client routes."""

    base_url: str
    token: str
    user_id: int
    language_code: str = "en"
    first_name: str = "Buyer"
    received: list[dict[str, Any]] = field(default_factory=list)

    def _user(self) -> dict[str, Any]:
        return {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }

    def _chat(self) -> dict[str, Any]:
        return {"id": self.user_id, "type": "private", "first_name": self.first_name}

    async def _post(self, route: str, body: dict[str, Any]) -> dict[str, Any]:
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.base_url}/{route}", json=body) as response,
        ):
            response.raise_for_status()
            data: dict[str, Any] = await response.json()
            return data

    async def write(self, text: str) -> None:
        body = {
            "botToken": self.token,
            "from": self._user(),
            "chat": self._chat(),
            "date": int(time.time()),
            "text": text,
        }
        await self._post("sendMessage", body)

    async def command(self, text: str) -> None:
        name_length = len(text.split(" ", 1)[0])
        body = {
            "botToken": self.token,
            "from": self._user(),
            "chat": self._chat(),
            "date": int(time.time()),
            "text": text,
            "entities": [{"offset": 0, "length": name_length, "type": "bot_command"}],
        }
        await self._post("sendCommand", body)

    async def press(self, bot_message: dict[str, Any], callback_data: str) -> None:
        message = {
            "message_id": bot_message["messageId"],
            "date": int(time.time()),
            "chat": self._chat(),
            "text": bot_message["message"].get("text", ""),
        }
        body = {"botToken": self.token, "from": self._user(), "message": message, "data": callback_data}
        await self._post("sendCallback", body)

    async def wait_for_replies(self, count: int, *, within: float = 30.0) -> list[dict[str, Any]]:
        """The next `count` bot messages to this chat (each as the emulator stores it).

        `within` is only a give-up bound for a broken run, not a speed check: a loaded CI machine
        (two cores, migrations and FAQ loading in the same process) may take several seconds.
        """
        deadline = time.monotonic() + within
        fresh: list[dict[str, Any]] = []
        while len(fresh) < count:
            data = await self._post("getUpdates", {"token": self.token, "chatId": self.user_id})
            fresh.extend(data["result"])
            if len(fresh) >= count:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"expected {count} bot message(s), got {len(fresh)}: {fresh}")
            await asyncio.sleep(0.02)
        self.received.extend(fresh)
        return fresh


def buttons(bot_message: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, callback_data) of every inline button under a bot message."""
    markup = bot_message["message"].get("reply_markup") or {}
    return [(b["text"], b["callback_data"]) for row in markup.get("inline_keyboard", []) for b in row]
