"""The local console channel: chat as a buyer in a terminal, and play the agent with `/agent`.

It is a channel like Telegram: it turns lines into `BuyerMessage`s, calls the same desk, and renders
what the outbox delivers — buyer replies on one side, what agents would see in Slack on the other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.outbox import Delivered, DeliveryResult, Envelope
from escalation.agent_desk import AgentDesk
from escalation.conversation import Action, ActionKind, BuyerMessage, Reply
from escalation.desk import BuyerDesk
from escalation.ports import OutgoingKind
from escalation.sla import Clock
from escalation.tickets import HandOff, TicketState
from handlers.i18n import Translator
from handlers.tags import priority_tag

CONSOLE_CHANNEL = "console"
AGENT_NAME = "Agent"

HELP = """Type a question as a buyer would. Commands:
  1, 2, 3 …         press a numbered button
  /start            greeting and language picker
  /language [xx]    pick a language (e.g. /language de)
  /human            ask for a person
  /agent <text>     play the agent: answer the open ticket
  /claim /resolve   play the agent: claim or resolve the open ticket
  /help             this text
  /quit             leave (Ctrl-D works too)"""

Write = Callable[[str], None]


@dataclass
class ConsoleSession:
    """What the screen shows now: the buttons the buyer may press and the ticket in play."""

    buttons: list[Action] = field(default_factory=list)
    ticket_id: int | None = None


class ConsoleBuyerSender:
    """Delivers outbox items for the console buyer: prints replies with numbered buttons."""

    def __init__(self, session: ConsoleSession, write: Write, translator: Translator) -> None:
        self._session = session
        self._write = write
        self._translator = translator

    async def deliver(self, envelope: Envelope) -> DeliveryResult:
        reply = Reply.from_payload(envelope.payload["reply"])
        self._write(f"bot> {self._translator.render(reply)}")
        if reply.actions:
            self._session.buttons = list(reply.actions)
            if reply.actions[0].kind is ActionKind.LANGUAGE:
                codes = " ".join(action.value for action in reply.actions)
                self._write(f"     (type /language <code>: {codes})")
            else:
                for number, action in enumerate(reply.actions, start=1):
                    self._write(f"     [{number}] {self._translator.button(action, reply.language)}")
        if envelope.ticket_id is not None:
            self._session.ticket_id = envelope.ticket_id
        return Delivered(channel_message_id=f"console-{envelope.id}")


class ConsoleDeskSender:
    """Delivers what would go to the agents' Slack channel: the hand-off and the relayed messages."""

    def __init__(self, session: ConsoleSession, write: Write) -> None:
        self._session = session
        self._write = write

    async def deliver(self, envelope: Envelope) -> DeliveryResult:
        kind = OutgoingKind(envelope.payload["kind"])
        if kind is OutgoingKind.HANDOFF:
            self._session.ticket_id = envelope.ticket_id
            self._write(render_handoff(HandOff.from_payload(envelope.payload)))
        elif kind is OutgoingKind.BUYER_MESSAGE:
            text = envelope.payload.get("text") or f"[{envelope.payload.get('content_kind')}]"
            self._write(f"  [agents · ticket #{envelope.ticket_id}] buyer: {text}")
        elif kind is OutgoingKind.ADMIN_NOTICE:
            self._write(f"  [admins] {envelope.payload.get('text')}")
        elif kind is OutgoingKind.SLA_ALERT:
            payload = envelope.payload
            point = str(payload.get("point", ""))
            what = "BREACHED" if point == "breach" else f"reminder at {point.removeprefix('reminder:')}"
            actions = ", ".join(payload.get("actions") or ()) or "post in thread"
            self._write(
                f"  [agents · ticket #{envelope.ticket_id}] ⏰ {payload.get('priority')} "
                f"{str(payload.get('clock', '')).replace('_', ' ')} {what} · due "
                f"{str(payload.get('deadline') or payload.get('due_at'))[:16].replace('T', ' ')} UTC · {actions}"
            )
        else:
            self._write(
                f"  [agents · ticket #{envelope.ticket_id}] now {envelope.payload.get('state')}"
                f" · {envelope.payload.get('priority')}"
            )
        return Delivered(channel_message_id=f"desk-{envelope.id}")


def render_handoff(handoff: HandOff) -> str:
    """The console's picture of the Slack ticket post."""
    ticket = handoff.ticket
    tag = priority_tag(ticket.priority, ticket.category)
    lines = [
        "  ┌─ agents would see in Slack ───────────────────────────",
        f"  │ {tag} · ticket #{ticket.id}",
        f"  │ buyer: {handoff.buyer_name or 'unknown'} · language {handoff.language}"
        f" · country {handoff.country or '?'}{' · VIP' if handoff.vip else ''}",
    ]
    if handoff.matched_phrases:
        lines.append(f"  │ matched: {', '.join(handoff.matched_phrases)}")
    lines.append(f"  │ first response due: {handoff.first_response_due:%Y-%m-%d %H:%M} UTC")
    for line in handoff.transcript[-5:]:
        lines.append(f"  │ {line.author}: {line.text[:120]}")
    lines.append("  │ (answer with /agent <text>, /claim, /resolve)")
    lines.append("  └───────────────────────────────────────────────────────")
    return "\n".join(lines)


class ConsoleChat:
    """The read–eval–print loop of the console channel."""

    def __init__(
        self,
        desk: BuyerDesk,
        deliver: Callable[[], Awaitable[int]],
        session: ConsoleSession,
        clock: Clock,
        write: Write,
        *,
        chat_language: str | None = None,
        country: str | None = None,
        buyer_id: str = "console-buyer",
        agents: AgentDesk | None = None,
    ) -> None:
        self._desk = desk
        self._agents = agents or AgentDesk.beside(desk.services)
        self._deliver = deliver
        self._session = session
        self._clock = clock
        self._write = write
        self._chat_language = chat_language
        self._country = country
        self._buyer_id = buyer_id
        self._counter = 0

    def _message(self, text: str | None) -> BuyerMessage:
        self._counter += 1
        now: datetime = self._clock.now()
        return BuyerMessage(
            channel=CONSOLE_CHANNEL,
            chat_id=self._buyer_id,
            sender_id=self._buyer_id,
            sender_name="Console buyer",
            text=text,
            sent_at=now,
            message_id=f"{now.timestamp():.6f}-{self._counter}",
            chat_language=self._chat_language,
            country=self._country,
        )

    async def handle_line(self, line: str) -> bool:
        """Process one typed line; False when the user wants to leave."""
        text = line.strip()
        command, _, argument = text.partition(" ")
        argument = argument.strip()
        if command in {"/quit", "/exit"}:
            return False
        if command == "/help":
            self._write(HELP)
        elif command == "/start":
            await self._desk.start(self._message(text))
        elif command == "/language":
            if argument:
                await self._desk.choose_language(self._message(text), argument.lower())
            else:
                await self._desk.pick_language(self._message(text))
        elif command == "/human":
            await self._desk.request_human(self._message(text))
        elif command in {"/agent", "/claim", "/resolve"}:
            await self._act_as_agent(command, argument)
        elif text.isdigit() and self._session.buttons:
            await self._press(int(text))
        else:
            await self._desk.handle(self._message(text))
        await self._deliver()
        return True

    async def _press(self, number: int) -> None:
        if not 1 <= number <= len(self._session.buttons):
            self._write(f"  (no button {number}; choose 1–{len(self._session.buttons)})")
            return
        action = self._session.buttons[number - 1]
        message = self._message(None)
        match action.kind:
            case ActionKind.HUMAN:
                await self._desk.request_human(message)
            case ActionKind.SUGGESTION:
                await self._desk.choose_suggestion(message, action.value)
            case ActionKind.HELPFUL | ActionKind.NOT_HELPFUL:
                await self._desk.feedback(message, action.value, helpful=action.kind is ActionKind.HELPFUL)
            case ActionKind.LANGUAGE:
                await self._desk.choose_language(message, action.value)

    async def _act_as_agent(self, command: str, argument: str) -> None:
        ticket_id = self._session.ticket_id
        if ticket_id is None:
            self._write("  (no ticket yet: ask for a human first, e.g. /human)")
            return
        if command == "/agent":
            if not argument:
                self._write("  (usage: /agent <text>)")
                return
            await self._agents.agent_reply(ticket_id, agent=AGENT_NAME, text=argument)
        elif command == "/claim":
            await self._agents.change_state(ticket_id, TicketState.CLAIMED, agent=AGENT_NAME)
        else:
            await self._agents.change_state(ticket_id, TicketState.RESOLVED, agent=AGENT_NAME)

    async def run(self, read: Callable[[str], str] | None = None) -> None:
        read = read or input  # looked up at call time, so a redirected input() is honoured
        self._write("BorderDesk console chat — you are the buyer. /help lists commands.")
        while True:
            try:
                line = await asyncio.to_thread(read, "you> ")
            except EOFError:
                self._write("")
                return
            if not line.strip():
                continue
            if not await self.handle_line(line):
                return
