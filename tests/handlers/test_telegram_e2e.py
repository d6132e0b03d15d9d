"""End to end over HTTP: BorderDesk long-polls the npm `telegram-test-api` emulator like real Telegram."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select

from bot.storage import models
from escalation.conversation import ReplyKey
from knowledge.languages import SUPPORTED_LANGUAGES
from knowledge.service import KnowledgeAnswer, KnowledgeSuggestions
from tests.handlers import fake_bot_api as fake
from tests.handlers.telegram_emulator import emulator as emulation

_users = itertools.count(501)
# One emulator and one running BorderDesk for the module (start-up loads the whole FAQ); every test
# plays a different buyer.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def served(emulator: Any, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Any]:
    """BorderDesk's Telegram side polling the emulator, with its outbox relay running."""
    from handlers.telegram.serve import run_polling  # noqa: PLC0415

    token = "1001:E2E"
    async with fake.telegram_harness(
        tmp_path_factory.mktemp("e2e"), emulator.base_url, token=token
    ) as harness:
        relay = asyncio.create_task(harness.app.relay.run_forever())
        polling = asyncio.create_task(run_polling(harness.dispatcher, harness.bot, polling_timeout=1))
        harness.token = token
        try:
            yield harness
        finally:
            for task in (polling, relay):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


def _buyer(served: Any, emulator: Any, language: str) -> Any:
    return emulation.EmulatedBuyer(emulator.base_url, served.token, next(_users), language_code=language)


async def _tickets_of(served: Any, user_id: int) -> list[models.Ticket]:
    async with served.app.sessions() as session:
        query = (
            select(models.Ticket)
            .join(models.Buyer, models.Buyer.id == models.Ticket.buyer_id)
            .where(models.Buyer.channel_user_id == str(user_id))
        )
        return list((await session.scalars(query)).all())


async def test_german_buyer_gets_the_german_faq_answer(served: Any, emulator: Any) -> None:
    """A German question is answered with the sample FAQ's German text and German buttons."""
    question = "Wie lange braucht ein Paket bis nach Hamburg?"
    expected = served.app.knowledge.current.answer(question, "de")
    assert isinstance(expected, KnowledgeAnswer)
    buyer = _buyer(served, emulator, "de")

    await buyer.write(question)
    [reply] = await buyer.wait_for_replies(1)

    assert reply["message"]["text"] == expected.text
    labels = [label for label, _ in emulation.buttons(reply)]
    assert labels == [
        served.translator.gettext("button_helpful", "de"),
        served.translator.gettext("button_not_helpful", "de"),
        served.translator.gettext("button_human", "de"),
    ]


async def test_talk_to_a_human_button_opens_a_ticket(served: Any, emulator: Any) -> None:
    """Pressing "Talk to a human" under an answer opens a ticket and tells the buyer the wait."""
    buyer = _buyer(served, emulator, "de")
    await buyer.write("Kann ich mit Klarna bezahlen?")
    [answer] = await buyer.wait_for_replies(1)
    human = emulation.buttons(answer)[-1]
    assert human[0] == served.translator.gettext("button_human", "de")

    await buyer.press(answer, human[1])
    [confirmation] = await buyer.wait_for_replies(1)

    assert (
        await fake.sent_reply(served.app.sessions, served.translator, confirmation["message"]["text"])
    ).key is ReplyKey.TICKET_OPENED
    tickets = await _tickets_of(served, buyer.user_id)
    assert [(t.state, t.reason, t.language) for t in tickets] == [("open", "human_request", "de")]


async def test_did_you_mean_button_answers_the_chosen_question(served: Any, emulator: Any) -> None:
    """An uncertain match offers up to three suggestions; pressing one answers that FAQ entry."""
    question = "size"
    outcome = served.app.knowledge.current.answer(question, "en")
    assert isinstance(outcome, KnowledgeSuggestions)
    buyer = _buyer(served, emulator, "en")

    await buyer.write(question)
    [offer] = await buyer.wait_for_replies(1)
    suggestions = emulation.buttons(offer)[:-1]
    assert [label for label, _ in suggestions] == [choice.title for choice in outcome.choices[:3]]

    await buyer.press(offer, suggestions[0][1])
    [answer] = await buyer.wait_for_replies(1)

    chosen = served.app.knowledge.current.answer_entry(outcome.choices[0].entry_id, "en")
    assert answer["message"]["text"] == chosen.text


async def test_start_command_greets_with_a_language_picker(served: Any, emulator: Any) -> None:
    """/start greets in the buyer's Telegram language and offers every supported language."""
    buyer = _buyer(served, emulator, "de")

    await buyer.command("/start")
    [greeting] = await buyer.wait_for_replies(1)

    assert greeting["message"]["text"] == served.translator.gettext("greeting", "de")
    assert len(emulation.buttons(greeting)) == len(SUPPORTED_LANGUAGES)


async def test_human_command_opens_a_ticket(served: Any, emulator: Any) -> None:
    """/human opens a ticket at once, without asking anything first."""
    buyer = _buyer(served, emulator, "fr")

    await buyer.command("/human")
    [confirmation] = await buyer.wait_for_replies(1)

    reply = await fake.sent_reply(served.app.sessions, served.translator, confirmation["message"]["text"])
    assert reply.key is ReplyKey.TICKET_OPENED
    assert len(await _tickets_of(served, buyer.user_id)) == 1
