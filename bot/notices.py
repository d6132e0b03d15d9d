"""Notices for the shop's admins (a rejected FAQ reload), queued like every other outbound message."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import models
from bot.storage.outbox_rows import pending_values
from escalation.ports import DESK_CHANNEL, OutgoingKind
from escalation.sla import Clock
from knowledge.content import ContentProblem

ADMIN_DESTINATION = "admin"
# A Slack message stays readable; the full list is in the log and in `borderdesk faq check`.
MAX_LISTED_PROBLEMS = 20


def reload_rejected_text(problems: list[ContentProblem]) -> str:
    listed = "\n".join(str(problem) for problem in problems[:MAX_LISTED_PROBLEMS])
    more = len(problems) - MAX_LISTED_PROBLEMS
    tail = f"\n… and {more} more (run `borderdesk faq check`)" if more > 0 else ""
    return (
        f":warning: FAQ reload rejected ({len(problems)} problem(s)); "
        f"the bot keeps answering from the last good version.\n```\n{listed}{tail}\n```"
    )


async def notify_admins(sessions: async_sessionmaker[AsyncSession], clock: Clock, text: str) -> None:
    now = clock.now()
    async with sessions() as session, session.begin():
        session.add(
            models.OutboxItem(
                **pending_values(
                    channel=DESK_CHANNEL,
                    destination=ADMIN_DESTINATION,
                    payload={"kind": OutgoingKind.ADMIN_NOTICE.value, "text": text},
                    at=now,
                )
            )
        )
