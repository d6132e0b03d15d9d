"""The console channel end to end over the real wiring, sample FAQ and SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import DatabaseSettings, Settings
from bot.wiring import App, build_app
from escalation.ports import DESK_CHANNEL
from escalation.sla import ManualClock
from handlers.console.chat import (
    CONSOLE_CHANNEL,
    ConsoleBuyerSender,
    ConsoleChat,
    ConsoleDeskSender,
    ConsoleSession,
)
from handlers.i18n import Translator


class Screen:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def write(self, text: str) -> None:
        self.lines.append(text)

    def take(self) -> str:
        text = "\n".join(self.lines)
        self.lines.clear()
        return text


@pytest.fixture
async def console(sqlite_url: str) -> AsyncIterator[tuple[ConsoleChat, Screen, App]]:
    screen = Screen()
    session = ConsoleSession()
    settings = Settings(database=DatabaseSettings(url=sqlite_url))
    senders = {
        CONSOLE_CHANNEL: ConsoleBuyerSender(session, screen.write, Translator()),
        DESK_CHANNEL: ConsoleDeskSender(session, screen.write),
    }
    clock = ManualClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    app = await build_app(settings, senders=senders, clock=clock)
    chat = ConsoleChat(app.desk, app.relay.run_once, session, clock, screen.write, country="BR")
    yield chat, screen, app
    await app.close()


async def test_shipping_question_is_answered_from_the_sample_faq(
    console: tuple[ConsoleChat, Screen, App],
) -> None:
    """A buyer's shipping question gets the shipping answer with numbered buttons."""
    chat, screen, _ = console
    await chat.handle_line("how long does shipping take?")
    shown = screen.take()
    assert shown.startswith("bot> ")
    assert "business days" in shown
    assert "[1] 👍 Helpful" in shown
    assert "Talk to a human" in shown


async def test_human_request_opens_a_ticket_and_the_agent_reply_reaches_the_buyer(
    console: tuple[ConsoleChat, Screen, App],
) -> None:
    """`/human` opens a ticket shown as the agents would see it; `/agent` relays back to the buyer."""
    chat, screen, _ = console
    await chat.handle_line("/human")
    shown = screen.take()
    assert "agents would see in Slack" in shown
    assert "P3" in shown
    assert "An agent will reply" in shown
    await chat.handle_line("my order number is 1234")
    assert "buyer: my order number is 1234" in screen.take()
    await chat.handle_line("/agent Hello, I'm looking at order 1234 now")
    assert "bot> Agent (support): Hello, I'm looking at order 1234 now" in screen.take()
    await chat.handle_line("/resolve")
    assert "resolved" in screen.take()


async def test_numbered_buttons_can_be_pressed(console: tuple[ConsoleChat, Screen, App]) -> None:
    """Typing a button's number presses it: the human button opens a ticket."""
    chat, screen, _ = console
    await chat.handle_line("how long does shipping take?")
    shown = screen.take()
    human = next(line for line in shown.splitlines() if "Talk to a human" in line)
    number = human.strip().split("]")[0].lstrip("[")
    await chat.handle_line(number)
    assert "agents would see in Slack" in screen.take()


async def test_quit_ends_the_session(console: tuple[ConsoleChat, Screen, App]) -> None:
    """`/quit` leaves the loop."""
    chat, _, _ = console
    assert await chat.handle_line("/quit") is False


def test_chat_command_runs_a_scripted_session(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`borderdesk chat` with piped input answers and opens a ticket, then exits cleanly on EOF."""
    lines = iter(["how long does shipping take?", "/human", "/agent On it!"])

    def fake_input(_prompt: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", fake_input)
    monkeypatch.setenv("BORDERDESK_DATABASE__URL", f"sqlite+aiosqlite:///{tmp_path}/chat.db")
    assert main(["chat", "--country", "br"]) == 0
    out = capsys.readouterr().out
    assert "business days" in out
    assert "agents would see in Slack" in out
    assert "Agent (support): On it!" in out
