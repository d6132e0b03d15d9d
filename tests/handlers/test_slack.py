"""The Slack desk over the real bolt app, SQLite and a fake Slack Web API: signed requests in, recorded calls out."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import urlencode

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.config import DatabaseSettings, Settings, SlackChannels, SlackSettings
from bot.outbox import Delivered, DeliveryResult, Envelope, Undeliverable
from bot.storage.database import create_engine, session_factory
from bot.storage.inbox import SqlInbox
from bot.wiring import App, build_app
from escalation.agent_desk import AgentDesk
from escalation.conversation import Attachment, BuyerMessage, ContentKind, ReplyKey
from escalation.ports import DESK_CHANNEL, Outgoing, OutgoingKind
from escalation.sla import ManualClock
from escalation.tickets import TicketState, TicketView
from handlers.slack.bolt_app import build_slack_app, relay_rules
from handlers.slack.client import slack_client
from handlers.slack.runner import slack_senders
from tests.handlers.fake_slack_api import FakeSlack, decoded, fake_slack

SECRET = "s3cr3t-signing"
AGENT, OUTSIDER = "UMIA", "UBOB"
START = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


class BuyerChannel:
    """The buyer's side (Telegram's place): records what would reach the buyer."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.fail_with: str | None = None

    async def deliver(self, envelope: Envelope) -> DeliveryResult:
        self.envelopes.append(envelope)
        if self.fail_with:
            return Undeliverable(self.fail_with)
        return Delivered(f"tg-{envelope.id}")

    def replies(self, key: ReplyKey) -> list[dict[str, Any]]:
        return [
            e.payload["reply"]
            for e in self.envelopes
            if e.payload.get("kind") == "reply" and e.payload["reply"]["key"] == key.value
        ]


class Files:
    async def fetch(self, channel: str, file_id: str) -> tuple[bytes, str, str]:
        return b"\x89PNG fake bytes " + file_id.encode(), "broken-box.png", "image/png"


@dataclass
class Desk:
    fake: FakeSlack
    app: App
    bolt: AsyncApp
    buyer: BuyerChannel
    clock: ManualClock
    counter: int = 0

    async def deliver(self) -> None:
        while await self.app.relay.run_once():
            pass

    async def buyer_says(
        self, text: str | None, *, kind: ContentKind = ContentKind.TEXT, **extra: Any
    ) -> None:
        self.counter += 1
        await self.app.desk.handle(
            BuyerMessage(
                channel="telegram",
                chat_id="42",
                sender_id="42",
                sender_name="Ana",
                text=text,
                sent_at=self.clock.now(),
                message_id=str(self.counter),
                kind=kind,
                country="BR",
                **extra,
            )
        )
        await self.deliver()

    async def open_ticket(self, text: str = "these sneakers are fake, I want my money back") -> TicketView:
        await self.buyer_says(text)
        post = self.fake.of("chat.postMessage")[-1]
        agents = AgentDesk.beside(self.app.desk.services)
        ticket = await agents.ticket_by_thread(post["channel"], self.fake_ts_of_last_post())
        assert ticket is not None
        return ticket

    async def open_ticket_from(self, post: dict[str, Any]) -> TicketView:
        for ts in (f"1700000000.{n:06d}" for n in range(1, self.fake._ts + 1)):
            ticket = await AgentDesk.beside(self.app.desk.services).ticket_by_thread(post["channel"], ts)
            if ticket is not None:
                return ticket
        raise AssertionError("no ticket recorded for the post")

    def fake_ts_of_last_post(self) -> str:
        return f"1700000000.{self.fake._ts:06d}"

    async def send(
        self, body: str, content_type: str, *, secret: str = SECRET, **headers: str
    ) -> BoltResponse:
        stamp = str(int(time.time()))
        signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
        request = AsyncBoltRequest(
            body=body,
            headers={
                "content-type": content_type,
                "x-slack-request-timestamp": stamp,
                "x-slack-signature": str(signature),
                **headers,
            },
        )
        response = await self.bolt.async_dispatch(request)
        await self.deliver()
        return response

    async def thread_reply(
        self, ticket: TicketView, text: str, *, user: str = AGENT, event_id: str | None = None, **headers: str
    ) -> tuple[BoltResponse, str]:
        ts = self.fake.next_ts()
        event = {
            "type": "message",
            "channel": ticket.desk_channel,
            "user": user,
            "text": text,
            "ts": ts,
            "thread_ts": ticket.desk_thread,
        }
        return await self.event(event, event_id=event_id or f"Ev{ts}", **headers), ts

    async def event(self, event: dict[str, Any], *, event_id: str, **headers: str) -> BoltResponse:
        body = {
            "type": "event_callback",
            "team_id": "T1",
            "api_app_id": "A1",
            "event_id": event_id,
            "event": event,
        }
        return await self.send(json.dumps(body), "application/json", **headers)

    async def press(self, ticket: TicketView, action: dict[str, Any], *, user: str = AGENT) -> BoltResponse:
        payload = {
            "type": "block_actions",
            "team": {"id": "T1"},
            "user": {"id": user},
            "api_app_id": "A1",
            "container": {
                "type": "message",
                "channel_id": ticket.desk_channel,
                "message_ts": ticket.desk_thread,
            },
            "channel": {"id": ticket.desk_channel},
            "message": {"ts": ticket.desk_thread},
            "trigger_id": "1.2.3",
            "actions": [action],
        }
        return await self.send(
            urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
        )


def button(action_id: str, ticket: TicketView) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": action_id,
        "value": str(ticket.id),
        "block_id": f"ticket:{ticket.id}",
    }


def rendered(call: dict[str, Any]) -> str:
    return json.dumps(decoded(call.get("blocks", "[]")), ensure_ascii=False)


DeskFactory = Callable[..., Any]


@pytest.fixture
async def make_desk(sqlite_url: str) -> AsyncIterator[DeskFactory]:
    opened: list[App] = []
    async with fake_slack() as fake:
        fake.group_members["SAGENTS"] = [AGENT]
        fake.names[AGENT] = "Mia"

        async def build(
            *,
            relay: Literal["relay_by_default", "internal_by_default"] = "relay_by_default",
            files: bool = False,
        ) -> Desk:
            slack = SlackSettings(
                bot_token="xoxb-test",
                signing_secret=SECRET,
                api_base_url=fake.url,
                agent_group="SAGENTS",
                oncall="SONCALL",
                relay=relay,
                channels=SlackChannels(
                    default="CDESK", P1="CP1", escalation="CESC", by_language={"de": "CDE"}
                ),
            )
            settings = Settings(database=DatabaseSettings(url=sqlite_url), slack=slack)
            clock = ManualClock(START)
            engine = create_engine(settings.database)
            buyer = BuyerChannel()
            senders = slack_senders(
                settings,
                sessions=session_factory(engine),
                clock=clock,
                buyer_senders={"telegram": buyer},
                files=Files() if files else None,
            )
            app = await build_app(settings, senders=senders, clock=clock, engine=engine)
            opened.append(app)
            bolt = build_slack_app(
                slack,
                agents=AgentDesk.beside(app.desk.services, rules=relay_rules(slack)),
                inbox=SqlInbox(app.sessions, clock),
                client=slack_client(slack),
                process_before_response=True,
            )
            return Desk(fake, app, bolt, buyer, clock)

        yield build
        for app in opened:
            await app.close()


@pytest.fixture
async def desk(make_desk: DeskFactory) -> Desk:
    built: Desk = await make_desk()
    return built


async def test_complaint_is_posted_to_its_priority_channel_with_tag_summary_and_controls(desk: Desk) -> None:
    """A counterfeit complaint lands in the P1 channel, tagged, with the buyer's details and the buttons."""
    ticket = await desk.open_ticket()
    (post,) = desk.fake.of("chat.postMessage")
    assert post["channel"] == "CP1"
    blocks = rendered(post)
    assert "🔴 P1 · counterfeit" in blocks
    assert "BR" in blocks
    assert "Ana" in blocks
    assert "*Language*\\nen" in blocks
    assert "these sneakers are fake" in blocks
    for action_id in ("ticket_claim", "ticket_resolve", "ticket_priority", "ticket_back_to_bot"):
        assert action_id in blocks
    assert ticket.desk_channel == "CP1"
    assert ticket.state is TicketState.OPEN


async def test_language_channel_wins_over_priority_channel(desk: Desk) -> None:
    """A German buyer's ticket goes to the German team's channel."""
    await desk.app.desk.choose_language(
        BuyerMessage("telegram", "42", "42", "/language", START, message_id="de"), "de"
    )
    await desk.app.desk.request_human(BuyerMessage("telegram", "42", "42", None, START, message_id="h"))
    await desk.deliver()
    assert desk.fake.of("chat.postMessage")[-1]["channel"] == "CDE"


async def test_agent_thread_reply_reaches_the_buyer_with_the_agent_name_and_a_delivered_mark(
    desk: Desk,
) -> None:
    """The agent's words go to the buyer under their display name; Slack shows ✅ on the message."""
    ticket = await desk.open_ticket()
    response, ts = await desk.thread_reply(ticket, "Hi Ana, I&apos;m checking the order &amp; the photos")
    assert response.status == 200
    (reply,) = desk.buyer.replies(ReplyKey.AGENT_MESSAGE)
    assert reply["text"] == "Hi Ana, I'm checking the order & the photos"
    assert reply["params"]["agent"] == "Mia"
    (reaction,) = desk.fake.of("reactions.add")
    assert (reaction["channel"], reaction["timestamp"], reaction["name"]) == ("CP1", ts, "white_check_mark")
    update = desk.fake.of("chat.update")[-1]
    assert update["ts"] == ticket.desk_thread
    assert "Waiting for the buyer" in rendered(update)


async def test_buyer_follow_up_appears_in_the_ticket_thread(desk: Desk) -> None:
    """After the hand-off, the buyer's next message is posted in the ticket's thread."""
    ticket = await desk.open_ticket()
    await desk.buyer_says("order 1234, the logo is misspelled", reply_to_message_id="1")
    post = desk.fake.of("chat.postMessage")[-1]
    assert post["thread_ts"] == ticket.desk_thread
    assert post["channel"] == "CP1"
    assert "order 1234, the logo is misspelled" in post["text"]
    assert "replying to message 1" in post["text"]


async def test_note_marker_keeps_a_message_internal_in_relay_by_default_mode(desk: Desk) -> None:
    """`!note …`, an unknown `!word` and talk to a colleague never reach the buyer; the agent is told why."""
    ticket = await desk.open_ticket()
    await desk.thread_reply(ticket, "!note she ordered twice, check stock")
    await desk.thread_reply(ticket, "!ntoe refund approved by finance")
    await desk.thread_reply(ticket, "<@UJO> can you look at this one?")
    assert desk.buyer.replies(ReplyKey.AGENT_MESSAGE) == []
    typo, mention = desk.fake.of("chat.postEphemeral")
    assert typo["user"] == AGENT
    assert typo["thread_ts"] == ticket.desk_thread
    assert "not a command" in typo["text"]
    assert "stays internal" in mention["text"]


async def test_internal_by_default_relays_only_with_the_send_marker(make_desk: DeskFactory) -> None:
    """In internal-by-default mode plain talk stays in Slack; `!send` relays the rest of the message."""
    desk: Desk = await make_desk(relay="internal_by_default")
    ticket = await desk.open_ticket()
    await desk.thread_reply(ticket, "looks like a real counterfeit case")
    assert desk.buyer.replies(ReplyKey.AGENT_MESSAGE) == []
    await desk.thread_reply(ticket, "!send We are refunding you in full today.")
    (reply,) = desk.buyer.replies(ReplyKey.AGENT_MESSAGE)
    assert reply["text"] == "We are refunding you in full today."


async def test_claim_priority_and_resolve_buttons_update_the_post_and_tell_the_buyer(desk: Desk) -> None:
    """Claim shows who claimed it, the select re-tags it, Resolve closes it and the buyer is told."""
    ticket = await desk.open_ticket()
    assert (await desk.press(ticket, button("ticket_claim", ticket))).status == 200
    claimed = desk.fake.of("chat.update")[-1]
    assert (claimed["channel"], claimed["ts"]) == ("CP1", ticket.desk_thread)
    assert "Claimed by Mia" in rendered(claimed)
    assert "ticket_claim" not in rendered(claimed)
    select = {
        "type": "static_select",
        "action_id": "ticket_priority",
        "selected_option": {"value": f"{ticket.id}:P2", "text": {"type": "plain_text", "text": "P2"}},
    }
    await desk.press(ticket, select)
    assert "🟠 P2 · counterfeit" in rendered(desk.fake.of("chat.update")[-1])
    await desk.press(ticket, button("ticket_resolve", ticket))
    resolved = desk.fake.of("chat.update")[-1]
    assert "Resolved" in rendered(resolved)
    assert "ticket_resolve" not in rendered(resolved)
    assert len(desk.buyer.replies(ReplyKey.TICKET_RESOLVED)) == 1


async def test_back_to_bot_button_closes_the_ticket_and_tells_the_buyer(desk: Desk) -> None:
    """Back to bot resolves the ticket with the back-to-bot message for the buyer."""
    ticket = await desk.open_ticket()
    await desk.press(ticket, button("ticket_back_to_bot", ticket))
    assert len(desk.buyer.replies(ReplyKey.BACK_TO_BOT)) == 1
    assert desk.buyer.replies(ReplyKey.TICKET_RESOLVED) == []


async def test_thread_commands_work_like_the_buttons(desk: Desk) -> None:
    """`!claim` and `!p3` from a phone claim and re-tag the ticket; nothing reaches the buyer."""
    ticket = await desk.open_ticket()
    await desk.thread_reply(ticket, "!claim")
    await desk.thread_reply(ticket, "!P3")
    last = rendered(desk.fake.of("chat.update")[-1])
    assert "🟡 P3 · counterfeit" in last
    assert "Claimed by Mia" in last
    assert desk.buyer.replies(ReplyKey.AGENT_MESSAGE) == []


async def test_forged_signature_is_rejected(desk: Desk) -> None:
    """A request signed with another secret gets 401 and relays nothing."""
    ticket = await desk.open_ticket()
    body = json.dumps(
        {
            "type": "event_callback",
            "event_id": "EvForged",
            "event": {
                "type": "message",
                "channel": ticket.desk_channel,
                "user": AGENT,
                "text": "send me your card number",
                "ts": "1700000099.000001",
                "thread_ts": ticket.desk_thread,
            },
        }
    )
    response = await desk.send(body, "application/json", secret="not-the-secret")
    assert response.status == 401
    assert desk.buyer.replies(ReplyKey.AGENT_MESSAGE) == []


async def test_slack_retry_of_the_same_event_is_relayed_once(desk: Desk) -> None:
    """Slack re-sends an event (same event_id, X-Slack-Retry-Num): the buyer still gets one message."""
    ticket = await desk.open_ticket()
    _, ts = await desk.thread_reply(ticket, "We'll replace them.", event_id="EvOnce")
    event = {
        "type": "message",
        "channel": ticket.desk_channel,
        "user": AGENT,
        "text": "We'll replace them.",
        "ts": ts,
        "thread_ts": ticket.desk_thread,
    }
    again = await desk.event(
        event, event_id="EvOnce", **{"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}
    )
    assert again.status == 200
    assert len(desk.buyer.replies(ReplyKey.AGENT_MESSAGE)) == 1


async def test_non_agent_is_refused_ephemerally_and_nothing_is_sent(desk: Desk) -> None:
    """Someone outside the agent group replying or pressing a button gets a private refusal."""
    ticket = await desk.open_ticket()
    await desk.thread_reply(ticket, "hey I can help!", user=OUTSIDER)
    await desk.press(ticket, button("ticket_resolve", ticket), user=OUTSIDER)
    refusals = desk.fake.of("chat.postEphemeral")
    assert [r["user"] for r in refusals] == [OUTSIDER, OUTSIDER]
    assert refusals[0]["thread_ts"] == ticket.desk_thread
    assert "Only members" in refusals[0]["text"]
    assert desk.buyer.replies(ReplyKey.AGENT_MESSAGE) == []
    assert desk.buyer.replies(ReplyKey.TICKET_RESOLVED) == []


async def test_editing_a_relayed_message_queues_an_edit_for_the_buyer(desk: Desk) -> None:
    """An agent's edit becomes a `reply_edit` naming the original outbox row."""
    ticket = await desk.open_ticket()
    _, ts = await desk.thread_reply(ticket, "Refund in 3 days")
    original = next(e for e in desk.buyer.envelopes if e.payload.get("desk_ref"))
    edited = {
        "type": "message",
        "subtype": "message_changed",
        "channel": ticket.desk_channel,
        "message": {
            "type": "message",
            "user": AGENT,
            "text": "Refund in 2 days",
            "ts": ts,
            "thread_ts": ticket.desk_thread,
        },
    }
    await desk.event(edited, event_id="EvEdit")
    (edit,) = [e for e in desk.buyer.envelopes if e.payload.get("kind") == "reply_edit"]
    assert edit.payload["edit_of"] == original.id
    assert edit.payload["reply"]["text"] == "Refund in 2 days"
    assert edit.payload["channel_message_id"] == f"tg-{original.id}"


async def test_failed_delivery_is_marked_with_a_warning_and_the_reason(desk: Desk) -> None:
    """When the buyer cannot be reached, the agent sees ⚠️ and why, in the thread."""
    ticket = await desk.open_ticket()
    desk.buyer.fail_with = "buyer blocked the bot"
    _, ts = await desk.thread_reply(ticket, "Are you there?")
    (reaction,) = desk.fake.of("reactions.add")
    assert (reaction["timestamp"], reaction["name"]) == (ts, "warning")
    note = desk.fake.of("chat.postMessage")[-1]
    assert note["thread_ts"] == ticket.desk_thread
    assert "buyer blocked the bot" in note["text"]


async def test_rate_limit_is_waited_out_and_outage_retried_later(desk: Desk) -> None:
    """A 429 with Retry-After is retried by the client; a lasting 5xx leaves the hand-off pending."""
    desk.fake.fail_next("chat.postMessage", 429, {"Retry-After": "0"})
    await desk.open_ticket()
    assert [c.method for c in desk.fake.calls].count("chat.postMessage") == 2
    desk.fake.fail_next("chat.postMessage", 503)
    desk.fake.fail_next("chat.postMessage", 503)
    await desk.app.desk.request_human(
        BuyerMessage("telegram", "77", "77", None, START, message_id="x", sender_name="Li")
    )
    await desk.deliver()
    assert len(desk.fake.of("chat.postMessage")) == 4  # 429 + retry, then 503 + retry
    desk.clock.advance(timedelta(minutes=1))
    await desk.deliver()
    assert desk.fake.of("chat.postMessage")[-1]["channel"] == "CDESK"


async def test_buyer_photo_is_uploaded_into_the_thread(make_desk: DeskFactory) -> None:
    """With a file fetcher the photo goes through files.getUploadURLExternal/completeUploadExternal."""
    desk: Desk = await make_desk(files=True)
    ticket = await desk.open_ticket()
    await desk.buyer_says("box arrived like this", kind=ContentKind.PHOTO, attachment=Attachment("AgADphoto"))
    assert desk.fake.of("files.getUploadURLExternal")[0]["filename"] == "broken-box.png"
    complete = desk.fake.of("files.completeUploadExternal")[0]
    assert complete["thread_ts"] == ticket.desk_thread
    assert complete["channel_id"] == "CP1"
    assert desk.fake.uploads
    assert b"AgADphoto" in desk.fake.uploads[0]


async def test_buyer_file_without_a_fetcher_is_announced_in_the_thread(desk: Desk) -> None:
    """Until the buyer channel can fetch files, agents are told a file arrived."""
    ticket = await desk.open_ticket()
    await desk.buyer_says(None, kind=ContentKind.VOICE, attachment=Attachment("AgADvoice", "voice.ogg"))
    post = desk.fake.of("chat.postMessage")[-1]
    assert post["thread_ts"] == ticket.desk_thread
    assert "voice.ogg" in post["text"]


async def test_sla_breach_mentions_on_call_and_is_reposted_to_escalation(desk: Desk) -> None:
    """A breach alert is said in the thread with the on-call mention and re-posted to escalation."""
    ticket = await desk.open_ticket()
    async with desk.app.sessions() as session:
        from bot.storage.desk_store import SqlDeskStore  # noqa: PLC0415

        store = SqlDeskStore(session)
        await store.enqueue(
            Outgoing(
                channel=DESK_CHANNEL,
                destination=f"ticket:{ticket.id}",
                kind=OutgoingKind.SLA_ALERT,
                payload={
                    "ticket_id": ticket.id,
                    "clock": "first_response",
                    "point": "breach",
                    "due_at": (START + timedelta(hours=1)).isoformat(),
                    "priority": "P1",
                    "actions": ["mention_on_call", "repost_to_escalation"],
                },
                ticket_id=ticket.id,
            ),
            at=desk.clock.now(),
        )
        await store.commit()
    desk.clock.advance(timedelta(hours=1, minutes=5))
    await desk.deliver()
    thread, repost = desk.fake.of("chat.postMessage")[-2:]
    assert thread["thread_ts"] == ticket.desk_thread
    assert "<!subteam^SONCALL>" in thread["text"]
    assert repost["channel"] == "CESC"
    assert "ticket #" in repost["text"]
    assert "SLA breached" in rendered(desk.fake.of("chat.update")[-1])


async def test_end_to_end_complaint_reply_and_resolution(desk: Desk) -> None:
    """Complaint → tagged post in the P1 channel → agent reply reaches the buyer → Resolve → buyer told."""
    await desk.buyer_says("I got a fake bag, this is a scam")
    post = desk.fake.of("chat.postMessage")[0]
    assert post["channel"] == "CP1"
    assert "🔴 P1" in post["text"]
    ticket = await desk.open_ticket_from(post)
    await desk.thread_reply(ticket, "So sorry Ana, we'll refund you and collect the bag.")
    assert desk.buyer.replies(ReplyKey.AGENT_MESSAGE)[0]["text"].startswith("So sorry Ana")
    await desk.thread_reply(ticket, "!resolve")
    assert len(desk.buyer.replies(ReplyKey.TICKET_RESOLVED)) == 1
    assert "Resolved" in rendered(desk.fake.of("chat.update")[-1])


async def test_rejected_content_reload_is_posted_to_the_admin_channel(desk: Desk) -> None:
    """Admins hear about a broken FAQ edit in Slack (no admin channel configured: the default one)."""
    from bot.notices import notify_admins  # noqa: PLC0415

    await notify_admins(
        desk.app.sessions, desk.clock, "FAQ reload rejected: faq/payment.yaml:12: unknown key"
    )
    await desk.deliver()
    (post,) = desk.fake.of("chat.postMessage")
    assert post["channel"] == "CDESK"
    assert "faq/payment.yaml:12" in post["text"]
