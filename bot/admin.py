"""Administrative commands: schema migrations, content checks, evaluations, ticket listings."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.storage import migrate, models
from bot.storage.database import create_engine, database_url, display_url, session_factory
from knowledge.cases import read_cases
from knowledge.content import ContentProblem

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


async def db_command(settings: Settings, action: str, revision: str | None, *, as_json: bool = False) -> int:
    url = database_url(settings.database)
    shown = display_url(settings.database)
    if action == "upgrade":
        await migrate.upgrade(url, revision or "head")
        print(f"{shown}: schema upgraded to {revision or 'head'}")
        return EXIT_OK
    if action == "downgrade":
        assert revision is not None
        await migrate.downgrade(url, revision)
        print(f"{shown}: schema downgraded to {revision}")
        return EXIT_OK
    engine = create_engine(settings.database)
    try:
        status = await migrate.schema_status(engine)
    finally:
        await engine.dispose()
    if as_json:
        print(json.dumps({"current": status.current, "head": status.head, "up_to_date": status.up_to_date}))
    else:
        state = "up to date" if status.up_to_date else "needs `borderdesk db upgrade`"
        print(f"{shown}: schema {status.current or '(empty)'}, newest {status.head} — {state}")
    return EXIT_OK


def content_problems(settings: Settings, faq_dir: Path | None) -> list[ContentProblem]:
    """Every problem in the FAQ, data and complaint-phrase files, stale translations included."""
    from escalation.complaints import check_phrase_dir  # noqa: PLC0415 - heavy imports only when asked
    from knowledge.faq import check_faq_dir  # noqa: PLC0415
    from knowledge.structured import StructuredData, check_data_dir  # noqa: PLC0415

    problems = list(check_data_dir(settings.faq.data_dir))
    placeholders: Mapping[str, frozenset[str]] | None = None
    if not problems:
        placeholders = StructuredData.load(settings.faq.data_dir).placeholder_names
    if placeholders is not None:
        problems += check_faq_dir(faq_dir or settings.faq.dir, placeholders=placeholders)
    else:
        problems += check_faq_dir(faq_dir or settings.faq.dir)
    problems += check_phrase_dir(settings.complaints.dir)
    return sorted(problems)


def faq_check(settings: Settings, faq_dir: Path | None, *, as_json: bool) -> int:
    started = time.perf_counter()
    problems = content_problems(settings, faq_dir)
    elapsed = time.perf_counter() - started
    if as_json:
        print(
            json.dumps(
                {
                    "ok": not problems,
                    "problems": [{"file": p.path, "line": p.line, "message": p.message} for p in problems],
                    "seconds": round(elapsed, 3),
                },
                ensure_ascii=False,
            )
        )
    else:
        for problem in problems:
            print(problem)
        summary = "no problems" if not problems else f"{len(problems)} problem(s)"
        print(f"{summary} ({elapsed:.2f} s)", file=sys.stderr)
    return EXIT_FAILED if problems else EXIT_OK


def faq_stamp(directory: Path) -> int:
    from knowledge.faq import stamp_translations  # noqa: PLC0415

    count = stamp_translations(directory)
    print(f"stamped {count} translation(s) in {directory}")
    return EXIT_OK


def evaluate(settings: Settings, what: str, cases_file: Path, *, as_json: bool) -> int:
    from knowledge.language import LanguageDetector  # noqa: PLC0415

    detector = LanguageDetector(settings.languages.supported, settings.languages.fallback)
    report: Mapping[str, Any]
    if what == "lang":
        from knowledge.language_eval import evaluate_language, format_language_report  # noqa: PLC0415

        report = evaluate_language(read_cases(cases_file, required=("text", "lang")), detector)
        text = format_language_report(report)
    elif what == "faq":
        from bot.wiring import knowledge_loader  # noqa: PLC0415
        from knowledge.faq_eval import evaluate_faq, format_faq_report  # noqa: PLC0415

        report = evaluate_faq(
            read_cases(cases_file, required=("text", "expect")),
            knowledge_loader(settings),
            detector.resolve,
        )
        text = format_faq_report(report)
    else:
        from escalation.complaint_eval import evaluate_complaints, format_complaint_report  # noqa: PLC0415
        from escalation.complaints import ComplaintDetector  # noqa: PLC0415

        report = evaluate_complaints(
            read_cases(cases_file, required=("text", "expect")),
            ComplaintDetector.load(settings.complaints.dir),
            detector.resolve,
        )
        text = format_complaint_report(report)
    print(json.dumps(report, ensure_ascii=False) if as_json else text)
    return EXIT_OK


async def list_tickets(
    settings: Settings,
    *,
    include_resolved: bool,
    limit: int,
    as_json: bool,
    overdue: bool = False,
    sla: bool = False,
    now: datetime | None = None,
) -> int:
    """Tickets with their response-time deadline; `overdue` keeps only missed ones, `sla` adds the summary."""
    from bot.wiring import ensure_schema, sla_policies  # noqa: PLC0415
    from escalation.priority import Priority  # noqa: PLC0415
    from escalation.sla_service import SlaClock  # noqa: PLC0415

    now = now or datetime.now(UTC)
    due_soon = timedelta(hours=1)
    policies = sla_policies(settings)

    def deadline(row: models.SlaClock | None) -> datetime | None:
        if row is None:
            return None
        return SlaClock.from_json(
            row.ticket_id,
            row.state,
            priority=Priority(row.priority),
            vip=row.vip,
            next_due_at=row.next_due_at,
        ).deadline(policies)

    engine = create_engine(settings.database)
    try:
        await ensure_schema(engine, settings)
        async with session_factory(engine)() as session:
            query = (
                select(models.Ticket, models.Buyer, models.SlaClock)
                .join(models.Buyer, models.Buyer.id == models.Ticket.buyer_id)
                .outerjoin(models.SlaClock, models.SlaClock.ticket_id == models.Ticket.id)
            )
            if not include_resolved or overdue:
                query = query.where(models.Ticket.state != "resolved")
            query = query.order_by(models.Ticket.priority, models.Ticket.opened_at)
            if not overdue:  # overdue is decided per clock below, so the limit applies after it
                query = query.limit(limit)
            rows = [
                (ticket, buyer, deadline(clock))
                for ticket, buyer, clock in (await session.execute(query)).all()
            ]
            counts = dict(
                (
                    await session.execute(
                        select(models.Ticket.state, func.count()).group_by(models.Ticket.state)
                    )
                )
                .tuples()
                .all()
            )
            summary = await _sla_summary(session, deadline, now, due_soon) if sla else {}
    finally:
        await engine.dispose()
    if overdue:
        rows = [row for row in rows if row[2] is not None and row[2] <= now][:limit]
    tickets = [
        {
            "id": ticket.id,
            "state": ticket.state,
            "priority": ticket.priority,
            "reason": ticket.reason,
            "category": ticket.category,
            "language": ticket.language,
            "buyer": buyer.display_name or buyer.channel_user_id,
            "channel": buyer.channel,
            "claimed_by": ticket.claimed_by,
            "opened_at": ticket.opened_at.isoformat(),
            "first_response_at": ticket.first_response_at.isoformat() if ticket.first_response_at else None,
            "resolved_at": ticket.resolved_at.isoformat() if ticket.resolved_at else None,
            "sla_deadline": due.isoformat() if due else None,
            "overdue": due is not None and due <= now,
        }
        for ticket, buyer, due in rows
    ]
    if as_json:
        report: dict[str, Any] = {"tickets": tickets, "counts": counts}
        if sla:
            report["sla"] = summary
        print(json.dumps(report, ensure_ascii=False))
        return EXIT_OK
    if not tickets:
        print("no overdue tickets" if overdue else "no tickets" if include_resolved else "no open tickets")
    for t in tickets:
        due_text = ""
        if t["sla_deadline"]:
            due_text = (
                f" · {'OVERDUE since' if t['overdue'] else 'due'} {t['sla_deadline'][:16].replace('T', ' ')}"
            )
        print(
            f"#{t['id']:<5} {t['priority']} {t['state']:<18} {t['category'] or t['reason']:<16} "
            f"{t['language'] or '?':<3} {t['buyer']:<24} opened {t['opened_at'][:16]}"
            f"{' · ' + t['claimed_by'] if t['claimed_by'] else ''}{due_text}"
        )
    if sla:
        print(f"{'priority':<9}{'open':>6}{'due<1h':>8}{'overdue':>9}{'breached':>10}{'met':>6}{'met %':>8}")
        for name, line in summary.items():
            share = "-" if line["share_met"] is None else f"{line['share_met'] * 100:.0f}%"
            print(
                f"{name:<9}{line['open']:>6}{line['due_soon']:>8}{line['overdue']:>9}"
                f"{line['breached']:>10}{line['met']:>6}{share:>8}"
            )
    print(
        ", ".join(f"{state}: {count}" for state, count in sorted(counts.items())) or "0 tickets",
        file=sys.stderr,
    )
    return EXIT_OK


async def _sla_summary(
    session: AsyncSession,
    deadline: Callable[[models.SlaClock | None], datetime | None],
    now: datetime,
    due_soon: timedelta,
) -> dict[str, dict[str, Any]]:
    """Per priority: open tickets, deadlines within `due_soon`, overdue, breached ever, met, share met."""
    from escalation.priority import Priority  # noqa: PLC0415
    from escalation.tickets import TicketEventKind  # noqa: PLC0415

    summary: dict[str, dict[str, Any]] = {}
    active = (
        await session.execute(
            select(models.Ticket.priority, models.SlaClock)
            .outerjoin(models.SlaClock, models.SlaClock.ticket_id == models.Ticket.id)
            .where(models.Ticket.state != "resolved")
        )
    ).all()
    breached_ids = select(models.TicketEvent.ticket_id).where(
        models.TicketEvent.kind == TicketEventKind.SLA_BREACH.value
    )
    breached = dict(
        (
            await session.execute(
                select(models.Ticket.priority, func.count())
                .where(models.Ticket.id.in_(breached_ids))
                .group_by(models.Ticket.priority)
            )
        )
        .tuples()
        .all()
    )
    met = dict(
        (
            await session.execute(
                select(models.Ticket.priority, func.count())
                .where(
                    models.Ticket.first_response_at.is_not(None),
                    models.Ticket.id.not_in(breached_ids),
                )
                .group_by(models.Ticket.priority)
            )
        )
        .tuples()
        .all()
    )
    for priority in Priority:
        deadlines = [deadline(clock) for p, clock in active if p == priority.value]
        missed, kept = breached.get(priority.value, 0), met.get(priority.value, 0)
        summary[priority.value] = {
            "open": len(deadlines),
            "due_soon": sum(1 for d in deadlines if d is not None and now < d <= now + due_soon),
            "overdue": sum(1 for d in deadlines if d is not None and d <= now),
            "breached": missed,
            "met": kept,
            "share_met": round(kept / (kept + missed), 3) if kept + missed else None,
        }
    return summary
