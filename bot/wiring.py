"""The composition root: config → engine → stores → domain services → channels → background work.

Read top to bottom, this is the system diagram. Tests reuse it with overrides (clock, senders).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import BusinessHoursSettings, Settings
from bot.outbox import ChannelSender, OutboxRelay
from bot.scheduler import SlaScheduler
from bot.storage import migrate
from bot.storage.database import create_engine, display_url, session_factory
from bot.storage.desk_store import desk_store_factory
from bot.storage.sla_store import SqlSlaStores
from escalation.business_hours import BusinessHours
from escalation.complaints import Complaint, ComplaintDetector
from escalation.desk import BuyerDesk, DeskOptions
from escalation.priority import Priority
from escalation.response_targets import PolicyResponseTargets
from escalation.sla import Clock, SlaPolicies, SlaPolicy, SystemClock
from escalation.sla_service import SlaTracker
from escalation.vip import VipPolicy
from knowledge.content import ContentHolder
from knowledge.language import LanguageDetector
from knowledge.matching import DEFAULT_ANSWER_THRESHOLD, DEFAULT_SUGGEST_THRESHOLD
from knowledge.service import Knowledge, KnowledgeHolder, load_knowledge

logger = logging.getLogger(__name__)


class StartupError(Exception):
    """BorderDesk cannot start; the message says why and what to do."""


async def ensure_schema(engine: AsyncEngine, settings: Settings) -> None:
    """Bring the schema to head (embedded SQLite) or refuse to start on an outdated shared database."""
    status = await migrate.schema_status(engine)
    if status.up_to_date:
        return
    if settings.database.upgrades_on_start:
        logger.info("upgrading database schema %s → %s", status.current or "(empty)", status.head)
        await migrate.upgrade(_url(settings))
        return
    raise StartupError(
        f"database {display_url(settings.database)} has schema {status.current or '(empty)'}, "
        f"this version needs {status.head}: run `borderdesk db upgrade` first"
    )


def _url(settings: Settings) -> str:
    from bot.storage.database import database_url  # noqa: PLC0415 - the password stays local

    return database_url(settings.database)


def business_hours(settings: BusinessHoursSettings) -> BusinessHours:
    return BusinessHours.from_strings(
        settings.timezone,
        {str(day): periods for day, periods in settings.days.items()},
        holiday_country=settings.holidays_country,
        holiday_subdivision=settings.holidays_subdivision,
    )


def sla_policies(settings: Settings) -> SlaPolicies:
    hours = business_hours(settings.business_hours)

    def policy(priority: Priority, vip: bool) -> SlaPolicy:
        target = settings.sla.vip.get(priority) if vip else None
        target = target or settings.sla.target(priority)
        return SlaPolicy(
            first_response=target.first_response_for(priority),
            next_response=target.next_response_for(priority),
            reminders=target.reminders,
            business_hours=hours if target.business_hours else None,
            raise_priority_on_breach=target.raise_priority_on_breach,
            release_claim_on_breach=target.release_claim_on_breach,
        )

    return SlaPolicies(
        standard={priority: policy(priority, False) for priority in Priority},
        vip={priority: policy(priority, True) for priority in settings.sla.vip},
    )


def knowledge_loader(settings: Settings) -> Knowledge:
    answer, suggest = settings.faq.answer_threshold, settings.faq.suggest_threshold
    return load_knowledge(
        settings.faq.dir,
        settings.faq.data_dir,
        answer_threshold=DEFAULT_ANSWER_THRESHOLD if answer is None else answer,
        suggest_threshold=DEFAULT_SUGGEST_THRESHOLD if suggest is None else suggest,
    )


class LiveComplaints:
    """The detector of the current good phrase files, so a reload takes effect on the next message."""

    def __init__(self, holder: ContentHolder[ComplaintDetector]) -> None:
        self._holder = holder

    def detect(self, text: str, language: str | None = None) -> Complaint | None:
        return self._holder.current.detect(text, language)


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    knowledge: KnowledgeHolder
    languages: LanguageDetector
    complaints: ContentHolder[ComplaintDetector]
    desk: BuyerDesk
    relay: OutboxRelay
    clock: Clock
    senders: dict[str, ChannelSender] = field(default_factory=dict)
    scheduler: SlaScheduler | None = None  # SLA wake-ups: `await start()` next to the channels

    async def start_background(self) -> None:
        """SLA wake-ups (fires anything that fell due while the bot was down, once)."""
        if self.scheduler is not None:
            await self.scheduler.start()

    async def close(self) -> None:
        if self.scheduler is not None:
            await self.scheduler.stop()
        await self.engine.dispose()


async def build_app(
    settings: Settings,
    *,
    senders: Mapping[str, ChannelSender],
    clock: Clock | None = None,
    engine: AsyncEngine | None = None,
) -> App:
    """Everything wired; raises StartupError / ContentError before anything is served."""
    clock = clock or SystemClock()
    engine = engine or create_engine(settings.database)
    await ensure_schema(engine, settings)
    sessions = session_factory(engine)
    holder = KnowledgeHolder(lambda: knowledge_loader(settings))
    languages = LanguageDetector(settings.languages.supported, settings.languages.fallback)
    complaints = ContentHolder(lambda: ComplaintDetector.load(settings.complaints.dir))
    vip = VipPolicy(
        yearly_spend=settings.vip.yearly_spend,
        repeat_orders=settings.vip.repeat_orders,
        raise_priority=settings.vip.raise_priority,
    )
    relay = OutboxRelay(sessions, senders, clock, skip_locked=not settings.database.is_sqlite)
    policies = sla_policies(settings)
    tracker = SlaTracker(
        policies=policies,
        stores=desk_store_factory(sessions),
        clocks=SqlSlaStores(locking=not settings.database.is_sqlite),
        vip=vip,
        on_commit=relay.wake,
    )
    scheduler = SlaScheduler(tracker, clock)

    def committed() -> None:
        relay.wake()
        scheduler.rearm()

    desk = BuyerDesk(
        stores=desk_store_factory(sessions),
        knowledge=lambda: holder.current,
        languages=languages,
        complaints=LiveComplaints(complaints),
        targets=PolicyResponseTargets(policies),
        vip=vip,
        clock=clock,
        options=DeskOptions(
            transcript_messages=settings.tickets.transcript_messages,
            reopen_window=settings.tickets.reopen_window,
        ),
        on_commit=committed,
        observer=tracker,
    )
    return App(
        settings=settings,
        engine=engine,
        sessions=sessions,
        knowledge=holder,
        languages=languages,
        complaints=complaints,
        desk=desk,
        relay=relay,
        clock=clock,
        senders=dict(senders),
        scheduler=scheduler,
    )
