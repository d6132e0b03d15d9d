"""Use cases on the agents' side: relay a reply, claim, resolve, re-prioritise, hand back to the bot.

Channel-agnostic like `BuyerDesk`: Slack (or the console's `/agent`) calls these with plain values;
each runs in one unit of work, queues what the buyer and the desk must see through the outbox, and
tells the `TicketObserver` of every ticket change so SLA timers follow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from escalation.conversation import Reply, ReplyKey
from escalation.desk import BOT, DeskServices, TicketObserver, ticket_update
from escalation.ports import DeskStore, DeskStoreFactory, Outgoing, OutgoingKind, TicketChange
from escalation.priority import Priority
from escalation.relay_rules import AgentCommand, Command, Internal, Relay, RelayRules
from escalation.sla import Clock
from escalation.tickets import (
    HandOff,
    InvalidTransitionError,
    TicketEventKind,
    TicketState,
    TicketView,
    check_transition,
)

AGENT = "agent"
DEFAULT_RULES = RelayRules()


class ReplyOutcomeKind(StrEnum):
    RELAYED = "relayed"  # queued for the buyer
    INTERNAL = "internal"  # kept in the thread
    COMMAND = "command"  # a thread command was carried out
    REFUSED = "refused"  # a command the ticket's state does not allow
    DUPLICATE = "duplicate"  # that desk message was handled before
    NO_TICKET = "no_ticket"


@dataclass(frozen=True)
class ReplyOutcome:
    kind: ReplyOutcomeKind
    ticket: TicketView | None = None
    note: str | None = None  # for the agent: why it stayed internal / was refused
    outbox_id: int | None = None


@dataclass(frozen=True)
class DeskPost:
    """What the desk needs to (re)draw a ticket's post."""

    ticket: TicketView
    handoff: HandOff | None


class AgentDesk:
    def __init__(
        self,
        *,
        stores: DeskStoreFactory,
        clock: Clock,
        rules: RelayRules = DEFAULT_RULES,
        observer: TicketObserver | None = None,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._stores = stores
        self._clock = clock
        self._rules = rules
        self._observer = observer
        self._on_commit = on_commit

    @classmethod
    def beside(cls, services: DeskServices, *, rules: RelayRules = DEFAULT_RULES) -> AgentDesk:
        """An agent desk sharing a `BuyerDesk`'s stores, clock, observer and commit hook."""
        return cls(
            stores=services.stores,
            clock=services.clock,
            rules=rules,
            observer=services.observer,
            on_commit=services.on_commit,
        )

    @property
    def rules(self) -> RelayRules:
        return self._rules

    # --- replies ---------------------------------------------------------------------------

    async def reply(self, ticket_id: int, *, agent: str, text: str, desk_ref: str) -> ReplyOutcome:
        """An agent's message in the ticket's thread: relay it, keep it internal, or run a command."""
        classified = self._rules.classify(text)
        match classified:
            case Internal(reason=reason):
                return ReplyOutcome(ReplyOutcomeKind.INTERNAL, note=reason)
            case Command():
                return await self.command(ticket_id, classified, agent=agent)
            case Relay(text=words):
                return await self._relay(ticket_id, agent=agent, text=words, desk_ref=desk_ref)
        raise AssertionError(classified)  # pragma: no cover - the match is exhaustive

    async def agent_reply(
        self, ticket_id: int, *, agent: str, text: str, dedup_key: str | None = None
    ) -> bool:
        """Relay an agent's words to the buyer as they are (no markers); the first one stops the
        first-response clock. Returns False when the ticket does not exist (nothing is sent)."""
        outcome = await self._relay(ticket_id, agent=agent, text=text, desk_ref=None, dedup_key=dedup_key)
        return outcome.kind is ReplyOutcomeKind.RELAYED

    async def edit_relayed(self, desk_ref: str, *, agent: str, text: str) -> int | None:
        """An agent edited a relayed desk message: queue the edit for the buyer's copy.

        Returns the new outbox id, or None when that desk message was never relayed (a note).
        """
        classified = self._rules.classify(text)
        words = classified.text if isinstance(classified, Relay) else text.strip()
        async with self._stores() as store:
            original = await store.relayed(desk_ref)
            if original is None or not words:
                return None
            reply = Reply(
                ReplyKey.AGENT_MESSAGE,
                str(original.reply.get("language") or "en"),
                text=words,
                params={"agent": agent},
            )
            await store.enqueue(
                Outgoing(
                    channel=original.channel,
                    destination=original.destination,
                    kind=OutgoingKind.REPLY_EDIT,
                    payload={
                        "reply": reply.to_payload(),
                        "edit_of": original.outbox_id,
                        "channel_message_id": original.channel_message_id,
                        "desk_ref": desk_ref,
                    },
                    ticket_id=original.ticket_id,
                ),
                at=self._clock.now(),
            )
            await self._commit(store)
            return original.outbox_id

    # --- ticket state ----------------------------------------------------------------------

    async def command(self, ticket_id: int, command: Command, *, agent: str) -> ReplyOutcome:
        """A thread command or a button: claim, resolve, a priority, back to the bot."""
        try:
            match command.command:
                case AgentCommand.CLAIM:
                    ticket = await self.change_state(ticket_id, TicketState.CLAIMED, agent=agent)
                case AgentCommand.RESOLVE:
                    ticket = await self.change_state(ticket_id, TicketState.RESOLVED, agent=agent)
                case AgentCommand.PRIORITY:
                    assert command.priority is not None
                    ticket = await self.change_priority(ticket_id, command.priority, agent=agent)
                case AgentCommand.BACK_TO_BOT:
                    ticket = await self.back_to_bot(ticket_id, agent=agent)
        except InvalidTransitionError as exc:
            return ReplyOutcome(ReplyOutcomeKind.REFUSED, note=_refusal(command, exc))
        if ticket is None:
            return ReplyOutcome(ReplyOutcomeKind.NO_TICKET)
        return ReplyOutcome(ReplyOutcomeKind.COMMAND, ticket=ticket)

    async def change_state(self, ticket_id: int, target: TicketState, *, agent: str) -> TicketView | None:
        """Claim, resolve or hand back; the buyer is told when a ticket is resolved."""
        return await self._transition(ticket_id, target, agent=agent, tell_buyer=ReplyKey.TICKET_RESOLVED)

    async def back_to_bot(self, ticket_id: int, *, agent: str) -> TicketView | None:
        """No human needed any more: the ticket closes and the buyer is told the bot answers again."""
        return await self._transition(
            ticket_id,
            TicketState.RESOLVED,
            agent=agent,
            tell_buyer=ReplyKey.BACK_TO_BOT,
            event=TicketEventKind.BACK_TO_BOT,
        )

    async def change_priority(self, ticket_id: int, priority: Priority, *, agent: str) -> TicketView | None:
        """Re-tag a ticket; SLA timers follow through the observer."""
        async with self._stores() as store:
            now = self._clock.now()
            ticket = await store.ticket(ticket_id)
            if ticket is None:
                return None
            if ticket.state is TicketState.RESOLVED:
                raise InvalidTransitionError("a resolved ticket keeps its priority")
            updated = await store.change_ticket(
                ticket.id,
                TicketChange(event=TicketEventKind.PRIORITY_CHANGED, actor=agent, at=now, priority=priority),
            )
            await store.enqueue(ticket_update(updated), at=now)
            await self._changed(store, updated)
            await self._commit(store)
            return updated

    # --- the desk's own bookkeeping --------------------------------------------------------

    async def record_desk_thread(self, ticket_id: int, *, channel: str, thread: str) -> TicketView:
        """The ticket's post landed on the desk: remember where, so thread replies find the ticket."""
        async with self._stores() as store:
            ticket = await store.set_desk_location(
                ticket_id, channel=channel, thread=thread, at=self._clock.now()
            )
            await self._changed(store, ticket)
            await self._commit(store)
            return ticket

    async def ticket_by_thread(self, channel: str, thread: str) -> TicketView | None:
        async with self._stores() as store:
            return await store.ticket_by_desk_thread(channel, thread)

    async def desk_post(self, ticket_id: int) -> DeskPost | None:
        """The ticket as it is now, with its hand-off snapshot, to redraw its post."""
        async with self._stores() as store:
            ticket = await store.ticket(ticket_id)
            if ticket is None:
                return None
            payload = await store.handoff_payload(ticket_id)
            return DeskPost(ticket, HandOff.from_payload(payload) if payload else None)

    # --- internals -------------------------------------------------------------------------

    async def _relay(
        self,
        ticket_id: int,
        *,
        agent: str,
        text: str,
        desk_ref: str | None,
        dedup_key: str | None = None,
    ) -> ReplyOutcome:
        async with self._stores() as store:
            now = self._clock.now()
            ticket = await store.ticket(ticket_id)
            conversation = None if ticket is None else await store.conversation(ticket.conversation_id)
            if ticket is None or conversation is None:
                return ReplyOutcome(ReplyOutcomeKind.NO_TICKET)
            language = conversation.language or ticket.language or "en"
            reply = Reply(ReplyKey.AGENT_MESSAGE, language, text=text, params={"agent": agent})
            replied = await store.change_ticket(
                ticket.id,
                TicketChange(
                    event=TicketEventKind.AGENT_REPLIED,
                    actor=agent,
                    at=now,
                    state=TicketState.WAITING_FOR_BUYER if ticket.state is not TicketState.RESOLVED else None,
                    first_response_at=now if ticket.first_response_at is None else None,
                ),
            )
            if replied.state is not ticket.state:
                await store.enqueue(ticket_update(replied), at=now)
            outbox_id: int | None = None
            if desk_ref is not None:
                outbox_id = await store.record_relayed(
                    conversation, reply, desk_ref=desk_ref, author_name=agent, at=now, ticket_id=ticket.id
                )
                if outbox_id is None:
                    return ReplyOutcome(ReplyOutcomeKind.DUPLICATE, ticket=ticket)  # rolled back
            else:
                await store.record_outbound(
                    conversation,
                    reply,
                    author=AGENT,
                    author_name=agent,
                    at=now,
                    ticket_id=ticket.id,
                    dedup_key=dedup_key,
                )
            await self._changed(store, replied)
            await self._commit(store)
            return ReplyOutcome(ReplyOutcomeKind.RELAYED, ticket=replied, outbox_id=outbox_id)

    async def _transition(
        self,
        ticket_id: int,
        target: TicketState,
        *,
        agent: str,
        tell_buyer: ReplyKey,
        event: TicketEventKind | None = None,
    ) -> TicketView | None:
        async with self._stores() as store:
            now = self._clock.now()
            ticket = await store.ticket(ticket_id)
            if ticket is None:
                return None
            check_transition(ticket.state, target)
            event = (
                event
                or {
                    TicketState.CLAIMED: TicketEventKind.CLAIMED,
                    TicketState.RESOLVED: TicketEventKind.RESOLVED,
                    TicketState.OPEN: TicketEventKind.REOPENED
                    if ticket.state is TicketState.RESOLVED
                    else TicketEventKind.UNCLAIMED,
                    TicketState.WAITING_FOR_BUYER: TicketEventKind.WAITING_FOR_BUYER,
                }[target]
            )
            updated = await store.change_ticket(
                ticket.id,
                TicketChange(
                    event=event,
                    actor=agent,
                    at=now,
                    state=target,
                    claimed_by=agent if target is TicketState.CLAIMED else None,
                    clear_claim=target is TicketState.OPEN,
                ),
            )
            if target is TicketState.RESOLVED:
                conversation = await store.conversation(ticket.conversation_id)
                if conversation is not None:
                    reply = Reply(tell_buyer, conversation.language or ticket.language or "en")
                    await store.record_outbound(conversation, reply, author=BOT, at=now, ticket_id=ticket.id)
            await store.enqueue(ticket_update(updated), at=now)
            await self._changed(store, updated)
            await self._commit(store)
            return updated

    async def _changed(self, store: DeskStore, ticket: TicketView) -> None:
        if self._observer is not None:
            await self._observer.ticket_changed(store, ticket, self._clock.now())

    async def _commit(self, store: DeskStore) -> None:
        await store.commit()
        self._on_commit()


def _refusal(command: Command, exc: InvalidTransitionError) -> str:
    if command.command is AgentCommand.CLAIM:
        return "this ticket is already claimed (or resolved)"
    if command.command in {AgentCommand.RESOLVE, AgentCommand.BACK_TO_BOT}:
        return "this ticket is already resolved"
    return str(exc)
