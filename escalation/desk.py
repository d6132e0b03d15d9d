"""The conversation engine: a buyer's message in, replies and hand-offs out.

Channel-agnostic: Telegram, the console and any future channel call the same methods with a
`BuyerMessage`; every use case runs in one unit of work (`DeskStore`) and commits once, and every
outbound message goes through the outbox so that a crash between deciding and sending loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from escalation.conversation import (
    MAX_ANALYSED_CHARS,
    Action,
    ActionKind,
    BuyerMessage,
    ContentKind,
    Reply,
    ReplyKey,
)
from escalation.ports import (
    DESK_CHANNEL,
    ConversationRecord,
    DeskStore,
    DeskStoreFactory,
    Outgoing,
    OutgoingKind,
    TicketChange,
)
from escalation.priority import Priority
from escalation.sla import Clock
from escalation.tickets import (
    HandOff,
    TicketEventKind,
    TicketReason,
    TicketState,
    TicketView,
)
from knowledge.languages import SUPPORTED_LANGUAGES
from knowledge.service import (
    KnowledgeAnswer,
    KnowledgeNoMatch,
    KnowledgeOutcome,
    KnowledgeSuggestions,
)

logger = logging.getLogger(__name__)

HUMAN_REQUEST_FAQ_ID = "contact_human"
BUYER = "buyer"
BOT = "bot"


class KnowledgeSource(Protocol):
    """The current FAQ snapshot (live-reloaded by the composition root)."""

    def answer(self, text: str, language: str, *, country: str | None = None) -> KnowledgeOutcome: ...

    def answer_entry(
        self, entry_id: str, language: str, *, country: str | None = None
    ) -> KnowledgeAnswer | None: ...


class LanguageResolver(Protocol):
    def resolve(
        self,
        text: str,
        *,
        explicit: str | None = None,
        chat_language: str | None = None,
        previous: str | None = None,
    ) -> str: ...


class ComplaintFinding(Protocol):
    @property
    def priority(self) -> Priority: ...

    @property
    def category(self) -> str: ...

    @property
    def matched(self) -> tuple[str, ...]: ...


class ComplaintSpotter(Protocol):
    def detect(self, text: str, language: str | None = None) -> ComplaintFinding | None: ...


class ResponseTargets(Protocol):
    """When the first agent answer is due for a new ticket (SLA policy, business hours)."""

    def first_response_due(self, priority: Priority, *, vip: bool, opened_at: datetime) -> datetime: ...


class TicketObserver(Protocol):
    """Told of every ticket change inside the same unit of work (SLA timers hook in here)."""

    async def ticket_changed(self, store: DeskStore, ticket: TicketView, at: datetime) -> None: ...


class _NoObserver:
    async def ticket_changed(self, store: DeskStore, ticket: TicketView, at: datetime) -> None:
        return None


class VipRule(Protocol):
    def is_vip(self, conversation: ConversationRecord) -> bool: ...

    def escalated(self, priority: Priority, *, vip: bool) -> Priority: ...


@dataclass(frozen=True)
class DeskResult:
    """What one use case did: for tests and for adapters that want to know (e.g. ticket opened)."""

    replies: tuple[Reply, ...] = ()
    ticket: TicketView | None = None
    duplicate: bool = False
    relayed_to_agents: bool = False


@dataclass(frozen=True)
class DeskServices:
    """What the agents' desk (`escalation.agent_desk.AgentDesk`) shares with the buyer's desk."""

    stores: DeskStoreFactory
    clock: Clock
    observer: TicketObserver
    on_commit: Callable[[], None]


@dataclass(frozen=True)
class DeskOptions:
    transcript_messages: int = 10
    reopen_window: timedelta = timedelta(days=3)
    default_human_priority: Priority = Priority.P3


class BuyerDesk:
    """Use cases on the buyer's side: questions, buttons, asking for a human, follow-ups in a ticket."""

    def __init__(
        self,
        *,
        stores: DeskStoreFactory,
        knowledge: Callable[[], KnowledgeSource],
        languages: LanguageResolver,
        complaints: ComplaintSpotter,
        targets: ResponseTargets,
        vip: VipRule,
        clock: Clock,
        options: DeskOptions = DeskOptions(),
        on_commit: Callable[[], None] = lambda: None,
        observer: TicketObserver | None = None,
    ) -> None:
        self._observer: TicketObserver = observer or _NoObserver()
        self._stores = stores
        self._knowledge = knowledge
        self._languages = languages
        self._complaints = complaints
        self._targets = targets
        self._vip = vip
        self._clock = clock
        self._options = options
        self._on_commit = on_commit

    @property
    def services(self) -> DeskServices:
        return DeskServices(self._stores, self._clock, self._observer, self._on_commit)

    # --- buyer use cases -------------------------------------------------------------------

    async def handle(self, message: BuyerMessage) -> DeskResult:
        """A buyer's message: relay it into an open ticket, or answer it, or open a ticket."""
        async with self._stores() as store:
            now = self._clock.now()
            conversation = await store.conversation_for(message, now=now)
            language = self._language_for(conversation, message, detect=message.kind is ContentKind.TEXT)
            ticket = await store.active_ticket(conversation.id)
            if not await store.record_inbound(
                conversation, message, language=language, ticket_id=ticket.id if ticket else None
            ):
                return DeskResult(duplicate=True)
            if language != conversation.language:
                await store.set_language(conversation.id, language, explicit=False)
            if ticket is not None:
                result = await self._follow_up(store, conversation, ticket, message, now)
            else:
                result = await self._answer(store, conversation, message, language, now)
            await self._commit(store)
            return result

    async def start(self, message: BuyerMessage) -> DeskResult:
        """First contact (/start): a greeting in the buyer's language and a language picker."""
        async with self._stores() as store:
            now = self._clock.now()
            conversation = await store.conversation_for(message, now=now)
            language = self._language_for(conversation, message)
            reply = Reply(ReplyKey.GREETING, language, actions=self._language_actions())
            await store.record_outbound(conversation, reply, author=BOT, at=now)
            await self._commit(store)
            return DeskResult(replies=(reply,))

    async def pick_language(self, message: BuyerMessage) -> DeskResult:
        """Show the language picker (/language)."""
        async with self._stores() as store:
            now = self._clock.now()
            conversation = await store.conversation_for(message, now=now)
            language = self._language_for(conversation, message)
            reply = Reply(ReplyKey.LANGUAGE_PICKER, language, actions=self._language_actions())
            await store.record_outbound(conversation, reply, author=BOT, at=now)
            await self._commit(store)
            return DeskResult(replies=(reply,))

    async def choose_language(self, message: BuyerMessage, language: str) -> DeskResult:
        """An explicit language choice: it beats detection from now on."""
        async with self._stores() as store:
            now = self._clock.now()
            conversation = await store.conversation_for(message, now=now)
            chosen = self._languages.resolve("", explicit=language, previous=conversation.language)
            await store.set_language(conversation.id, chosen, explicit=True)
            reply = Reply(ReplyKey.LANGUAGE_CHANGED, chosen)
            await store.record_outbound(conversation, reply, author=BOT, at=now)
            await self._commit(store)
            return DeskResult(replies=(reply,))

    async def request_human(self, message: BuyerMessage) -> DeskResult:
        """The buyer asked for a person (/human, a button): open a ticket, or say one is open."""
        async with self._stores() as store:
            now = self._clock.now()
            conversation = await store.conversation_for(message, now=now)
            language = self._language_for(conversation, message)
            ticket = await store.active_ticket(conversation.id)
            if ticket is not None:
                vip = self._vip.is_vip(conversation)
                reply = Reply(
                    ReplyKey.TICKET_ALREADY_OPEN, language, params=self._wait_params(ticket, now, vip=vip)
                )
                await store.record_outbound(conversation, reply, author=BOT, at=now, ticket_id=ticket.id)
                await self._commit(store)
                return DeskResult(replies=(reply,), ticket=ticket)
            result = await self._open_ticket(
                store,
                conversation,
                language=language,
                priority=self._options.default_human_priority,
                reason=TicketReason.HUMAN_REQUEST,
                category=None,
                matched=(),
                now=now,
            )
            await self._commit(store)
            return result

    async def choose_suggestion(self, message: BuyerMessage, entry_id: str) -> DeskResult:
        """The buyer pressed a "did you mean" choice: answer that FAQ entry."""
        async with self._stores() as store:
            now = self._clock.now()
            conversation = await store.conversation_for(message, now=now)
            language = self._language_for(conversation, message)
            answer = self._knowledge().answer_entry(entry_id, language, country=conversation.country)
            if answer is None:  # the entry vanished in a reload since the buttons were sent
                reply = Reply(ReplyKey.NO_MATCH, language, actions=(Action(ActionKind.HUMAN),))
                faq_id = None
            else:
                reply = self._faq_reply(answer, language)
                faq_id = answer.entry_id
            await store.record_outbound(conversation, reply, author=BOT, at=now, faq_id=faq_id)
            await self._commit(store)
            return DeskResult(replies=(reply,))

    async def feedback(self, message: BuyerMessage, entry_id: str, *, helpful: bool) -> DeskResult:
        """Helpful / not helpful under an answer; "not helpful" offers a human straight away."""
        async with self._stores() as store:
            now = self._clock.now()
            conversation = await store.conversation_for(message, now=now)
            language = self._language_for(conversation, message)
            if helpful:
                reply = Reply(ReplyKey.FEEDBACK_THANKS, language, params={"faq_id": entry_id})
            else:
                reply = Reply(
                    ReplyKey.FEEDBACK_SORRY,
                    language,
                    params={"faq_id": entry_id},
                    actions=(Action(ActionKind.HUMAN),),
                )
            await store.record_outbound(conversation, reply, author=BOT, at=now, faq_id=entry_id)
            await self._commit(store)
            return DeskResult(replies=(reply,))

    # --- internals -------------------------------------------------------------------------

    def _language_for(
        self, conversation: ConversationRecord, message: BuyerMessage, *, detect: bool = False
    ) -> str:
        """The reply language; only free text is evidence — a command or button press is not."""
        return self._languages.resolve(
            (message.text or "")[:MAX_ANALYSED_CHARS] if detect else "",
            explicit=conversation.language if conversation.language_explicit else None,
            chat_language=message.chat_language,
            previous=conversation.language,
        )

    async def _answer(
        self,
        store: DeskStore,
        conversation: ConversationRecord,
        message: BuyerMessage,
        language: str,
        now: datetime,
    ) -> DeskResult:
        text = (message.text or "").strip()
        if message.kind is not ContentKind.TEXT or not text:
            key = ReplyKey.FILE_OUTSIDE_TICKET if message.kind.is_file else ReplyKey.UNSUPPORTED_CONTENT
            if message.kind is ContentKind.TEXT:
                key = ReplyKey.EMPTY_MESSAGE
            reply = Reply(key, language, actions=(Action(ActionKind.HUMAN),))
            await store.record_outbound(conversation, reply, author=BOT, at=now)
            return DeskResult(replies=(reply,))
        analysed = text[:MAX_ANALYSED_CHARS]
        complaint = self._complaints.detect(analysed, language)
        if complaint is not None:
            vip = self._vip.is_vip(conversation)
            previous = await self._reopenable(store, conversation.id, now)
            if previous is not None:
                return await self._reopen(store, conversation, previous, language, now)
            return await self._open_ticket(
                store,
                conversation,
                language=language,
                priority=self._vip.escalated(complaint.priority, vip=vip),
                reason=TicketReason.COMPLAINT,
                category=str(complaint.category),
                matched=complaint.matched,
                now=now,
            )
        if len(text) > MAX_ANALYSED_CHARS:
            reply = Reply(
                ReplyKey.MESSAGE_TOO_LONG,
                language,
                params={"limit": MAX_ANALYSED_CHARS},
                actions=(Action(ActionKind.HUMAN),),
            )
            await store.record_outbound(conversation, reply, author=BOT, at=now)
            return DeskResult(replies=(reply,))
        outcome = self._knowledge().answer(analysed, language, country=conversation.country)
        faq_id: str | None = None
        if isinstance(outcome, KnowledgeAnswer):
            reply = self._faq_reply(outcome, language)
            faq_id = outcome.entry_id
        elif isinstance(outcome, KnowledgeSuggestions):
            actions = [Action(ActionKind.SUGGESTION, s.entry_id, s.title) for s in outcome.choices[:3]]
            reply = Reply(ReplyKey.SUGGESTIONS, language, actions=(*actions, Action(ActionKind.HUMAN)))
        else:
            assert isinstance(outcome, KnowledgeNoMatch)
            reply = Reply(ReplyKey.NO_MATCH, language, actions=(Action(ActionKind.HUMAN),))
        await store.record_outbound(conversation, reply, author=BOT, at=now, faq_id=faq_id)
        return DeskResult(replies=(reply,))

    @staticmethod
    def _faq_reply(answer: KnowledgeAnswer, language: str) -> Reply:
        actions: Sequence[Action] = (
            Action(ActionKind.HELPFUL, answer.entry_id),
            Action(ActionKind.NOT_HELPFUL, answer.entry_id),
            Action(ActionKind.HUMAN),
        )
        return Reply(
            ReplyKey.FAQ_ANSWER,
            language,
            text=answer.text,
            params={"faq_id": answer.entry_id},
            actions=tuple(actions),
        )

    async def _follow_up(
        self,
        store: DeskStore,
        conversation: ConversationRecord,
        ticket: TicketView,
        message: BuyerMessage,
        now: datetime,
    ) -> DeskResult:
        """While a ticket is open the bot stays out of the way: the message goes to the agents."""
        payload = {
            "text": message.text,
            "content_kind": message.kind.value,
            "buyer_name": conversation.buyer_name,
            "message_id": message.message_id,
            "reply_to_message_id": message.reply_to_message_id,
            "edited": message.edited,
            "attachment": None
            if message.attachment is None
            else {
                "file_id": message.attachment.file_id,
                "file_name": message.attachment.file_name,
                "mime_type": message.attachment.mime_type,
                "size": message.attachment.size,
            },
            "channel": message.channel,
        }
        await store.enqueue(
            Outgoing(
                channel=DESK_CHANNEL,
                destination=f"ticket:{ticket.id}",
                kind=OutgoingKind.BUYER_MESSAGE,
                payload=payload,
                ticket_id=ticket.id,
            ),
            at=now,
        )
        if ticket.state is TicketState.WAITING_FOR_BUYER:
            ticket = await store.change_ticket(
                ticket.id,
                TicketChange(
                    event=TicketEventKind.BUYER_REPLIED,
                    actor=BUYER,
                    at=now,
                    state=TicketState.OPEN if ticket.claimed_by is None else TicketState.CLAIMED,
                ),
            )
        await self._observer.ticket_changed(store, ticket, now)
        return DeskResult(ticket=ticket, relayed_to_agents=True)

    async def _reopenable(self, store: DeskStore, conversation_id: int, now: datetime) -> TicketView | None:
        previous = await store.last_resolved_ticket(conversation_id)
        if previous is None or previous.resolved_at is None:
            return None
        return previous if now - previous.resolved_at <= self._options.reopen_window else None

    async def _reopen(
        self,
        store: DeskStore,
        conversation: ConversationRecord,
        ticket: TicketView,
        language: str,
        now: datetime,
    ) -> DeskResult:
        reopened = await store.change_ticket(
            ticket.id,
            TicketChange(event=TicketEventKind.REOPENED, actor=BUYER, at=now, state=TicketState.OPEN),
        )
        wait = self._wait_params(reopened, now, vip=self._vip.is_vip(conversation), since=now)
        reply = Reply(ReplyKey.TICKET_REOPENED, language, params=wait)
        await store.record_outbound(conversation, reply, author=BOT, at=now, ticket_id=reopened.id)
        await store.enqueue(self._ticket_update(reopened), at=now)
        await self._observer.ticket_changed(store, reopened, now)
        return DeskResult(replies=(reply,), ticket=reopened)

    async def _open_ticket(
        self,
        store: DeskStore,
        conversation: ConversationRecord,
        *,
        language: str,
        priority: Priority,
        reason: TicketReason,
        category: str | None,
        matched: tuple[str, ...],
        now: datetime,
    ) -> DeskResult:
        previous = await self._reopenable(store, conversation.id, now)
        if previous is not None:
            return await self._reopen(store, conversation, previous, language, now)
        earlier = await store.last_resolved_ticket(conversation.id)
        vip = self._vip.is_vip(conversation)
        ticket = await store.create_ticket(
            conversation,
            priority=priority,
            reason=reason,
            category=category,
            matched=matched,
            language=language,
            at=now,
            previous_ticket_id=earlier.id if earlier else None,
        )
        due = self._targets.first_response_due(priority, vip=vip, opened_at=now)
        transcript = await store.transcript(conversation.id, limit=self._options.transcript_messages)
        handoff = HandOff(
            ticket=ticket,
            buyer_name=conversation.buyer_name,
            language=language,
            country=conversation.country,
            vip=vip,
            matched_phrases=matched,
            transcript=transcript,
            first_response_due=due,
        )
        await store.enqueue(
            Outgoing(
                channel=DESK_CHANNEL,
                destination=f"ticket:{ticket.id}",
                kind=OutgoingKind.HANDOFF,
                payload=handoff.to_payload(),
                ticket_id=ticket.id,
                dedup_key=f"handoff:{ticket.id}",
            ),
            at=now,
        )
        await self._observer.ticket_changed(store, ticket, now)
        reply = Reply(ReplyKey.TICKET_OPENED, language, params={"minutes": _minutes_until(due, now)})
        await store.record_outbound(conversation, reply, author=BOT, at=now, ticket_id=ticket.id)
        return DeskResult(replies=(reply,), ticket=ticket)

    def _wait_params(
        self, ticket: TicketView, now: datetime, *, vip: bool, since: datetime | None = None
    ) -> dict[str, str | int]:
        """How long the buyer should expect to wait: the promise made when the ticket opened, or,
        once that has passed, a fresh target from now (never "within 1 minute" for a late ticket)."""
        due = self._targets.first_response_due(ticket.priority, vip=vip, opened_at=since or ticket.opened_at)
        if due <= now:
            due = self._targets.first_response_due(ticket.priority, vip=vip, opened_at=now)
        return {"minutes": _minutes_until(due, now)}

    @staticmethod
    def _ticket_update(ticket: TicketView) -> Outgoing:
        return ticket_update(ticket)

    @staticmethod
    def _language_actions() -> tuple[Action, ...]:
        return tuple(Action(ActionKind.LANGUAGE, code) for code in SUPPORTED_LANGUAGES)

    async def _commit(self, store: DeskStore) -> None:
        await store.commit()
        self._on_commit()


def _minutes_until(due: datetime, now: datetime) -> int:
    return max(1, round((due - now).total_seconds() / 60))


def ticket_update(ticket: TicketView) -> Outgoing:
    """Tell the agents' desk to redraw a ticket's post (state, priority, claim)."""
    return Outgoing(
        channel=DESK_CHANNEL,
        destination=f"ticket:{ticket.id}",
        kind=OutgoingKind.TICKET_UPDATE,
        payload={
            "ticket_id": ticket.id,
            "state": ticket.state.value,
            "priority": ticket.priority.value,
            "claimed_by": ticket.claimed_by,
        },
        ticket_id=ticket.id,
    )
