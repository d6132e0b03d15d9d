"""The Telegram side against the project's fake Bot API: files, 429, 5xx, blocked, webhook secret, intake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.storage import models
from escalation.agent_desk import AgentDesk
from escalation.conversation import Reply, ReplyKey
from escalation.ports import DESK_CHANNEL
from escalation.sla import ManualClock
from handlers.telegram.serve import SECRET_HEADER, WebhookIntake, replay_pending
from tests.handlers import fake_bot_api as fake

START = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
SECRET = "s3cret-token_for-tests"


@pytest.fixture
async def api() -> AsyncIterator[Any]:
    async with fake.fake_bot_api() as running:
        yield running


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def harness(api: Any, tmp_path: Path, clock: ManualClock) -> AsyncIterator[Any]:
    async with fake.telegram_harness(tmp_path, api.base_url, clock=clock, flood=(5, 10.0)) as running:
        yield running


@pytest.fixture
async def webhook(harness: Any) -> AsyncIterator[tuple[TestClient[Any, Any], WebhookIntake]]:
    intake = WebhookIntake(harness.dispatcher, harness.bot, harness.inbox, SECRET)
    async with TestClient(TestServer(intake.application("/hook"))) as client:
        yield client, intake


_ids = iter(range(1, 10_000))


def _message(chat: int = 77, **content: Any) -> dict[str, Any]:
    body = {
        "message_id": next(_ids),
        "date": int(START.timestamp()),
        "chat": {"id": chat, "type": "private", "first_name": "Ana"},
        "from": {"id": chat, "is_bot": False, "first_name": "Ana", "language_code": "en"},
    }
    body.update(content)
    return body


def _update(**kinds: Any) -> dict[str, Any]:
    return {"update_id": next(_ids), **kinds}


async def _post(
    webhook: tuple[TestClient[Any, Any], WebhookIntake], update: dict[str, Any], secret: str = SECRET
) -> int:
    client, intake = webhook
    response = await client.post("/hook", json=update, headers={SECRET_HEADER: secret})
    await intake.drained()
    return response.status


async def _deliver(harness: Any) -> None:
    await harness.app.relay.run_once()


async def _outbox(harness: Any, channel: str) -> list[models.OutboxItem]:
    async with harness.app.sessions() as session:
        query = (
            select(models.OutboxItem)
            .where(models.OutboxItem.channel == channel)
            .order_by(models.OutboxItem.id)
        )
        return list((await session.scalars(query)).all())


async def _count(harness: Any, model: Any) -> int:
    async with harness.app.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_wrong_webhook_secret_is_refused_and_nothing_processed(
    harness: Any, webhook: Any, api: Any
) -> None:
    """A request without the right secret header gets 401 and leaves no trace."""
    status = await _post(
        webhook, _update(message=_message(text="how long does shipping take")), secret="wrong"
    )

    assert status == 401
    assert await _count(harness, models.InboxItem) == 0
    assert await _count(harness, models.Message) == 0


async def test_webhook_update_is_stored_answered_and_processed_once(
    harness: Any, webhook: Any, api: Any
) -> None:
    """The same update delivered twice is answered once."""
    update = _update(message=_message(text="what payment methods do you accept"))

    assert await _post(webhook, update) == 200
    assert await _post(webhook, update) == 200
    await _deliver(harness)

    assert len(api.sent()) == 1
    async with harness.app.sessions() as session:
        item = await session.scalar(select(models.InboxItem))
    assert item is not None
    assert item.processed_at is not None


async def test_photo_outside_a_ticket_gets_a_friendly_reply(harness: Any, webhook: Any, api: Any) -> None:
    """A photo with no ticket open is not read; the buyer is told how to reach a person."""
    photo = [{"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90}]
    await _post(webhook, _update(message=_message(photo=photo)))
    await _deliver(harness)

    [sent] = api.sent()
    assert sent["text"] == harness.translator.gettext("file_outside_ticket", "en")


async def test_photo_during_a_ticket_is_passed_to_the_agents(harness: Any, webhook: Any, api: Any) -> None:
    """With a ticket open, the largest photo size goes to the agents with its caption."""
    await _post(
        webhook,
        _update(
            message=_message(text="/human", entities=[{"type": "bot_command", "offset": 0, "length": 6}])
        ),
    )
    photo = [
        {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90},
        {"file_id": "large", "file_unique_id": "l", "width": 1280, "height": 1280, "file_size": 9000},
    ]
    await _post(webhook, _update(message=_message(photo=photo, caption="the box arrived crushed")))

    relayed = [row.payload for row in await _outbox(harness, DESK_CHANNEL) if row.payload.get("attachment")]
    assert [(p["text"], p["attachment"]["file_id"]) for p in relayed] == [
        ("the box arrived crushed", "large")
    ]


async def test_sticker_gets_a_friendly_reply_not_a_crash(harness: Any, webhook: Any, api: Any) -> None:
    """Content the bot cannot read is answered politely."""
    sticker = {
        "file_id": "st",
        "file_unique_id": "st",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    await _post(webhook, _update(message=_message(sticker=sticker)))
    await _deliver(harness)

    assert [call["text"] for call in api.sent()] == [harness.translator.gettext("unsupported_content", "en")]


async def test_retry_after_is_honoured(harness: Any, webhook: Any, api: Any, clock: ManualClock) -> None:
    """A 429 reschedules the reply for exactly retry_after seconds later, then it goes out.

    Rate limiting is not a failure: it does not use up one of the row's delivery attempts.
    """
    api.fail_next("sendMessage", fake.TOO_MANY_REQUESTS)
    await _post(
        webhook,
        _update(
            message=_message(text="/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}])
        ),
    )
    await _deliver(harness)

    [row] = await _outbox(harness, "telegram")
    assert (row.status, row.next_attempt_at, row.attempts) == ("pending", START + timedelta(seconds=7), 0)
    assert row.last_error is not None
    assert "429" in row.last_error

    clock.advance(timedelta(seconds=7))
    await _deliver(harness)
    [row] = await _outbox(harness, "telegram")
    assert row.status == "sent"
    assert len(api.sent()) == 2


async def test_server_error_is_retried_later(harness: Any, webhook: Any, api: Any) -> None:
    """A 5xx from Telegram leaves the reply pending for a later attempt."""
    api.fail_next("sendMessage", fake.BAD_GATEWAY)
    await _post(
        webhook,
        _update(
            message=_message(text="/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}])
        ),
    )
    await _deliver(harness)

    [row] = await _outbox(harness, "telegram")
    assert row.status == "pending"
    assert row.next_attempt_at > START
    assert "Bad Gateway" in (row.last_error or "")


async def test_blocked_buyer_is_recorded_and_not_retried(harness: Any, webhook: Any, api: Any) -> None:
    """403 "blocked by the user" fails the reply for good and marks the buyer blocked."""
    api.fail_next("sendMessage", fake.BLOCKED)
    await _post(
        webhook,
        _update(
            message=_message(
                chat=88, text="/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}]
            )
        ),
    )
    await _deliver(harness)

    [row] = await _outbox(harness, "telegram")
    assert row.status == "failed"
    async with harness.app.sessions() as session:
        buyer = await session.scalar(select(models.Buyer).where(models.Buyer.channel_user_id == "88"))
    assert buyer is not None
    assert buyer.blocked_at is not None


async def test_long_reply_is_split_with_buttons_on_the_last_part(harness: Any, api: Any) -> None:
    """A reply over 4096 characters goes out in paragraph-sized parts; buttons only under the last."""
    paragraph = "Customs rules differ by country. " * 40
    reply = Reply(
        ReplyKey.FAQ_ANSWER, "en", text="\n\n".join([paragraph.strip()] * 8), params={"faq_id": "duty"}
    )
    async with harness.app.sessions() as session, session.begin():
        session.add(
            models.OutboxItem(
                channel="telegram",
                destination="77",
                payload={"kind": "reply", "reply": reply.to_payload()},
                status="pending",
                attempts=0,
                next_attempt_at=START,
                created_at=START,
            )
        )
    await _deliver(harness)

    parts = api.sent()
    assert len(parts) == 3
    assert all(len(p["text"]) <= 4096 for p in parts)
    assert "\n\n".join(p["text"] for p in parts) == reply.text
    assert ["reply_markup" in p for p in parts] == [False, False, False]  # FAQ reply without actions here


async def test_flooding_buyer_is_slowed_once_and_nothing_is_lost(
    harness: Any, webhook: Any, api: Any
) -> None:
    """Past the limit the buyer gets one polite slow-down; every message is still stored and answered."""
    for _ in range(9):
        await _post(webhook, _update(message=_message(chat=91, text="what payment methods do you accept")))
    await _deliver(harness)

    texts = [call["text"] for call in api.sent()]
    assert texts.count(harness.translator.gettext("slow_down", "en")) == 1
    assert len(texts) == 10
    assert await _count(harness, models.Message) == 18  # 9 in, 9 answers


async def test_stored_but_unprocessed_update_is_replayed_at_start(harness: Any, api: Any) -> None:
    """An update stored before a crash is processed by the replay at start-up."""
    update = _update(message=_message(text="what payment methods do you accept"))
    await harness.inbox.receive("telegram", str(update["update_id"]), update)

    assert await replay_pending(harness.dispatcher, harness.bot, harness.inbox) == 1
    await _deliver(harness)

    assert len(api.sent()) == 1
    assert await harness.inbox.pending("telegram") == []


async def test_edited_question_is_answered_again(harness: Any, webhook: Any, api: Any) -> None:
    """Outside a ticket, an edit is a new question and gets its own answer."""
    original = _message(text="how do i pay")
    await _post(webhook, _update(message=original))
    edited = {**original, "text": "how long does shipping take", "edit_date": int(START.timestamp()) + 30}
    await _post(webhook, _update(edited_message=edited))
    await _deliver(harness)

    assert len(api.sent()) == 2


# --- agents' edits of relayed messages (outbox kind "reply_edit") ------------------------------


async def _queue(harness: Any, payload: dict[str, Any], destination: str = "77") -> int:
    async with harness.app.sessions() as session, session.begin():
        item = models.OutboxItem(
            channel="telegram",
            destination=destination,
            payload=payload,
            status="pending",
            attempts=0,
            next_attempt_at=START,
            created_at=START,
        )
        session.add(item)
        await session.flush()
        return item.id


def _agent_reply(text: str) -> dict[str, Any]:
    return Reply(ReplyKey.AGENT_MESSAGE, "en", text=text, params={"agent": "Mia"}).to_payload()


async def _edit_of(harness: Any, original: int, text: str) -> int:
    return await _queue(harness, {"kind": "reply_edit", "reply": _agent_reply(text), "edit_of": original})


async def _ticket_of(harness: Any, chat_id: str) -> int:
    async with harness.app.sessions() as session:
        ticket_id = await session.scalar(
            select(models.Ticket.id)
            .join(models.Buyer, models.Buyer.id == models.Ticket.buyer_id)
            .where(models.Buyer.channel_user_id == chat_id)
        )
    assert ticket_id is not None
    return int(ticket_id)


async def _row(harness: Any, item_id: int) -> models.OutboxItem:
    async with harness.app.sessions() as session:
        row: models.OutboxItem | None = await session.get(models.OutboxItem, item_id)
    assert row is not None
    return row


async def test_agent_edit_replaces_the_text_of_the_buyers_copy(harness: Any, webhook: Any, api: Any) -> None:
    """An agent's edit in the desk becomes editMessageText on the message the buyer received."""
    await _post(
        webhook,
        _update(
            message=_message(text="/human", entities=[{"type": "bot_command", "offset": 0, "length": 6}])
        ),
    )
    agents = AgentDesk.beside(harness.app.desk.services)
    await agents.reply(
        await _ticket_of(harness, "77"), agent="Mia", text="Refund in 3 days", desk_ref="CDESK:1.1:1.2"
    )
    await _deliver(harness)
    original = api.sent()[-1]
    original_id = next(
        row.channel_message_id for row in await _outbox(harness, "telegram") if row.payload.get("desk_ref")
    )

    assert await agents.edit_relayed("CDESK:1.1:1.2", agent="Mia", text="Refund in 2 days") is not None
    await _deliver(harness)

    [edit] = api.sent("editMessageText")
    expected = harness.translator.render(Reply.from_payload(_agent_reply("Refund in 2 days")))
    assert (str(edit["chat_id"]), str(edit["message_id"]), edit["text"]) == ("77", original_id, expected)
    assert "Refund in 3 days" in original["text"]
    assert len(api.sent()) == 2  # the ticket confirmation and the original reply: nothing re-sent
    edit_row = (await _outbox(harness, "telegram"))[-1]
    assert (edit_row.status, edit_row.channel_message_id) == ("sent", original_id)


async def test_edit_with_unchanged_text_counts_as_delivered(harness: Any, api: Any) -> None:
    """Telegram's "message is not modified" means the buyer already sees that text."""
    original = await _queue(harness, {"kind": "reply", "reply": _agent_reply("Refund in 3 days")})
    api.fail_next(
        "editMessageText",
        fake.Failure(400, "Bad Request: message is not modified: specified new message content is the same"),
    )
    edit = await _edit_of(harness, original, "Refund in 3 days")
    await _deliver(harness)

    assert (await _row(harness, edit)).status == "sent"


async def test_edit_of_a_message_telegram_no_longer_has_is_undeliverable_with_the_reason(
    harness: Any, api: Any
) -> None:
    """A message the buyer deleted (or too old to edit) fails the edit for good, saying why."""
    original = await _queue(harness, {"kind": "reply", "reply": _agent_reply("Refund in 3 days")})
    api.fail_next("editMessageText", fake.Failure(400, "Bad Request: message to edit not found"))
    edit = await _edit_of(harness, original, "Refund in 2 days")
    await _deliver(harness)

    row = await _row(harness, edit)
    assert row.status == "failed"
    assert "message to edit not found" in (row.last_error or "")
    assert len(api.sent("editMessageText")) == 1


async def test_rate_limited_edit_waits_retry_after_without_using_an_attempt(
    harness: Any, api: Any, clock: ManualClock
) -> None:
    """A 429 on editMessageText reschedules the edit for retry_after seconds, then it goes out."""
    original = await _queue(harness, {"kind": "reply", "reply": _agent_reply("Refund in 3 days")})
    api.fail_next("editMessageText", fake.TOO_MANY_REQUESTS)
    edit = await _edit_of(harness, original, "Refund in 2 days")
    await _deliver(harness)

    row = await _row(harness, edit)
    assert (row.status, row.next_attempt_at, row.attempts) == ("pending", START + timedelta(seconds=7), 0)
    clock.advance(timedelta(seconds=7))
    await _deliver(harness)
    assert (await _row(harness, edit)).status == "sent"
    assert len(api.sent("editMessageText")) == 2


async def test_edit_waits_for_its_original_to_be_delivered(
    harness: Any, api: Any, clock: ManualClock
) -> None:
    """An edit queued while the original reply is still retrying goes out only after it, as an edit."""
    api.fail_next("sendMessage", fake.BAD_GATEWAY)
    original = await _queue(harness, {"kind": "reply", "reply": _agent_reply("Refund in 3 days")})
    edit = await _edit_of(harness, original, "Refund in 2 days")
    await _deliver(harness)

    row = await _row(harness, edit)
    assert (row.status, row.attempts) == ("pending", 0)
    assert api.sent("editMessageText") == []

    clock.advance(timedelta(minutes=1))
    await _deliver(harness)
    sent = api.sent()[-1]  # the first attempt got the 502
    [edited] = api.sent("editMessageText")
    assert str(edited["message_id"]) == (await _row(harness, original)).channel_message_id
    assert "Refund in 3 days" in sent["text"]
    assert (await _row(harness, edit)).status == "sent"


async def test_edit_of_a_failed_original_is_undeliverable(harness: Any, api: Any) -> None:
    """When the original never reached the buyer, there is nothing to edit: the agent learns why."""
    api.fail_next("sendMessage", fake.BLOCKED)
    original = await _queue(harness, {"kind": "reply", "reply": _agent_reply("Refund in 3 days")})
    edit = await _edit_of(harness, original, "Refund in 2 days")
    await _deliver(harness)

    row = await _row(harness, edit)
    assert row.status == "failed"
    assert "never reached the buyer" in (row.last_error or "")
    assert "blocked" in (row.last_error or "")


async def test_edit_of_a_split_reply_rewrites_the_first_part_and_removes_the_rest(
    harness: Any, api: Any
) -> None:
    """A long original sent in three parts, edited to a short text: part one is edited, two and three deleted."""
    paragraph = ("Customs rules differ by country. " * 40).strip()
    original = await _queue(harness, {"kind": "reply", "reply": _agent_reply("\n\n".join([paragraph] * 8))})
    await _deliver(harness)
    part_ids = [str(part_id) for part_id in range(101, 101 + len(api.sent()))]
    assert len(part_ids) == 3
    assert (await _row(harness, original)).channel_message_id == ",".join(part_ids)

    edit = await _edit_of(harness, original, "Sorry, wrong ticket: your parcel cleared customs today.")
    await _deliver(harness)

    [edited] = api.sent("editMessageText")
    assert str(edited["message_id"]) == part_ids[0]
    assert "cleared customs today" in edited["text"]
    assert sorted(str(call["message_id"]) for call in api.sent("deleteMessage")) == part_ids[1:]
    assert (await _row(harness, edit)).channel_message_id == part_ids[0]
