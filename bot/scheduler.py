"""Wake-ups for SLA timers: APScheduler drives them, the database holds the deadlines.

One date job sits at the earliest pending deadline (re-armed after every firing and after every
commit that moved a clock earlier), and a slow safety poll catches anything a missed re-arm or
another worker left behind. Nothing about a deadline lives only in memory: after a restart
`start()` fires whatever fell due while the bot was down, then arms the next wake-up.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from escalation.sla import Clock
from escalation.sla_service import SlaTracker

logger = logging.getLogger(__name__)

WAKEUP_JOB = "sla-wakeup"
POLL_JOB = "sla-poll"


class SlaScheduler:
    def __init__(
        self,
        tracker: SlaTracker,
        clock: Clock,
        *,
        poll_interval: timedelta = timedelta(seconds=30),
        retry: timedelta = timedelta(seconds=1),
        autorun: bool = True,
    ) -> None:
        """`autorun=False` arms jobs without running them: tests drive `wake()` under a manual clock."""
        self._tracker = tracker
        self._autorun = autorun
        self._clock = clock
        self._poll_interval = poll_interval
        self._retry = retry  # before trying again clocks that were due but held by another worker
        self._scheduler: AsyncIOScheduler | None = None
        self._armed_at: datetime | None = None
        # One firing at a time in this process: the wake-up and the poll may coincide.
        self._firing = asyncio.Lock()

    @property
    def armed_at(self) -> datetime | None:
        """When the next wake-up is set for (None: nothing pending, only the poll runs)."""
        return self._armed_at

    @property
    def running(self) -> bool:
        return self._scheduler is not None

    async def start(self) -> int:
        """Fire everything overdue once, then arm the next wake-up and the poll; returns alerts fired."""
        if self._scheduler is not None:
            return 0
        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.start(paused=not self._autorun)
        self._scheduler = scheduler
        fired = await self.wake()
        scheduler.add_job(
            self.wake,
            "interval",
            seconds=self._poll_interval.total_seconds(),
            id=POLL_JOB,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
        return fired

    async def stop(self) -> None:
        scheduler, self._scheduler = self._scheduler, None
        self._armed_at = None
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        async with self._firing:  # let a firing in progress finish its transaction
            return

    def rearm(self) -> None:
        """After a commit that changed clocks: wake up earlier if a new deadline is sooner."""
        hint = self._tracker.take_hint()
        if hint is not None and (self._armed_at is None or hint < self._armed_at):
            self._arm(hint)

    async def wake(self) -> int:
        """Fire what is due now, drain what fell due meanwhile, and arm the next wake-up from the database.

        A burst is drained oldest-first in bounded batches (`SlaTracker.batch_size`) without a
        round trip through the scheduler between them; the next deadline is armed only once the
        store has nothing due left that this process can take.
        """
        if self._scheduler is None:
            return 0
        fired = 0
        async with self._firing:
            try:
                while True:
                    now = self._clock.now()
                    fired += await self._tracker.fire_due(now)
                    self._tracker.take_hint()  # the query below sees everything committed so far
                    earliest = await self._tracker.next_wakeup()
                    if earliest is None or self._scheduler is None:
                        break
                    if earliest <= now:
                        # Due when we fired yet still pending: another worker holds it. Look
                        # again shortly rather than spin (it normally fires it meanwhile).
                        earliest = now + self._retry
                        break
                    if earliest > self._clock.now():
                        break
                    # Otherwise it fell due while we fired: drain it now, oldest first.
            except Exception:  # a database hiccup must not kill the timers: the poll tries again
                logger.exception("SLA timers: firing failed; retrying at the next poll")
                return fired
        self._armed_at = None
        if earliest is not None:
            self._arm(earliest)
        if fired:
            logger.info("SLA timers: %d alert(s) queued", fired)
        return fired

    def _arm(self, at: datetime) -> None:
        if self._scheduler is None:
            return
        self._armed_at = at
        self._scheduler.add_job(
            self.wake,
            "date",
            run_date=at,
            id=WAKEUP_JOB,
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=None,  # late is better than never: a due timer always fires
            max_instances=3,  # a re-arm during a running wake-up must not be skipped (the lock serialises)
        )
