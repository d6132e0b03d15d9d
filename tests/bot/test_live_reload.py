"""Editing content while the bot runs: good edits take effect, bad ones are reported and change nothing."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import _live_reload
from bot.config import (
    SAMPLE_COMPLAINTS_DIR,
    SAMPLE_DATA_DIR,
    SAMPLE_FAQ_DIR,
    ComplaintSettings,
    DatabaseSettings,
    FaqSettings,
    Settings,
)
from bot.outbox import Delivered, DeliveryResult, Envelope
from bot.wiring import App, build_app
from escalation.complaints import ComplaintCategory
from escalation.ports import DESK_CHANNEL, OutgoingKind
from escalation.sla import ManualClock
from knowledge.service import KnowledgeAnswer


class RecordingDesk:
    def __init__(self) -> None:
        self.notices: list[str] = []

    async def deliver(self, envelope: Envelope) -> DeliveryResult:
        if envelope.payload.get("kind") == OutgoingKind.ADMIN_NOTICE.value:
            self.notices.append(str(envelope.payload["text"]))
        return Delivered()


async def eventually(condition: Callable[[], Awaitable[bool]], *, seconds: float = 15.0) -> None:
    """Poll until the file watcher has reacted (it debounces editor saves), failing after `seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not await condition():
        assert loop.time() < deadline, "the running bot did not react to the edit"
        await asyncio.sleep(0.05)


@pytest.fixture
async def running(tmp_path: Path, sqlite_url: str) -> AsyncIterator[tuple[App, RecordingDesk, Path]]:
    content = tmp_path / "content"
    shutil.copytree(SAMPLE_FAQ_DIR, content / "faq")
    shutil.copytree(SAMPLE_DATA_DIR, content / "data")
    shutil.copytree(SAMPLE_COMPLAINTS_DIR, content / "complaints")
    settings = Settings(
        database=DatabaseSettings(url=sqlite_url),
        faq=FaqSettings(dir=content / "faq", data_dir=content / "data"),
        complaints=ComplaintSettings(dir=content / "complaints"),
    )
    desk = RecordingDesk()
    clock = ManualClock(datetime(2026, 11, 20, tzinfo=UTC))
    app = await build_app(settings, senders={DESK_CHANNEL: desk}, clock=clock)
    try:
        async with _live_reload(app):
            await asyncio.sleep(0.3)  # the watchers must be running before the edit
            yield app, desk, content
    finally:
        await app.close()


async def test_broken_faq_keeps_last_good_version_and_tells_admins(
    running: tuple[App, RecordingDesk, Path],
) -> None:
    """A broken edit reaches the admins with file and line; answers keep coming from the old base."""
    app, desk, content = running
    before = app.knowledge.current
    payment = content / "faq" / "payment.yaml"
    payment.write_text(
        payment.read_text(encoding="utf-8") + "\n  - id: broken\n    questions: [\n", encoding="utf-8"
    )

    async def notified() -> bool:
        await app.relay.run_once()
        return bool(desk.notices)

    await eventually(notified)
    assert app.knowledge.current is before
    assert "payment.yaml:" in desk.notices[0]
    assert "last good version" in desk.notices[0]
    answer = app.knowledge.current.answer("do you accept paypal", "en")
    assert isinstance(answer, KnowledgeAnswer)
    assert answer.entry_id == "payment_methods"


async def test_edited_complaint_phrases_take_effect_without_restart(
    running: tuple[App, RecordingDesk, Path],
) -> None:
    """A new counterfeit phrase added by an admin is used for the next message."""
    app, _, content = running
    text = "this handbag is a total dupe of the real one"
    assert app.complaints.current.detect(text, "en") is None
    phrases = content / "complaints" / "en.yaml"
    source = phrases.read_text(encoding="utf-8")
    phrases.write_text(
        source.replace("  counterfeit:\n", "  counterfeit:\n    - dupe\n", 1), encoding="utf-8"
    )

    async def reloaded() -> bool:
        return app.complaints.current.detect(text, "en") is not None

    await eventually(reloaded)
    found = app.complaints.current.detect(text, "en")
    assert found is not None
    assert found.category is ComplaintCategory.COUNTERFEIT
