"""Administrative commands: schema migrations, content checks, evaluations, ticket listings."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

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


async def list_tickets(settings: Settings, *, include_resolved: bool, limit: int, as_json: bool) -> int:
    from bot.wiring import ensure_schema  # noqa: PLC0415

    engine = create_engine(settings.database)
    try:
        await ensure_schema(engine, settings)
        async with session_factory(engine)() as session:
            query = select(models.Ticket, models.Buyer).join(
                models.Buyer, models.Buyer.id == models.Ticket.buyer_id
            )
            if not include_resolved:
                query = query.where(models.Ticket.state != "resolved")
            rows = (
                await session.execute(
                    query.order_by(models.Ticket.priority, models.Ticket.opened_at).limit(limit)
                )
            ).all()
            counts = dict(
                (
                    await session.execute(
                        select(models.Ticket.state, func.count()).group_by(models.Ticket.state)
                    )
                )
                .tuples()
                .all()
            )
    finally:
        await engine.dispose()
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
        }
        for ticket, buyer in rows
    ]
    if as_json:
        print(json.dumps({"tickets": tickets, "counts": counts}, ensure_ascii=False))
        return EXIT_OK
    if not tickets:
        print("no tickets" if include_resolved else "no open tickets")
    for t in tickets:
        print(
            f"#{t['id']:<5} {t['priority']} {t['state']:<18} {t['category'] or t['reason']:<16} "
            f"{t['language'] or '?':<3} {t['buyer']:<24} opened {t['opened_at'][:16]}"
            f"{' · ' + t['claimed_by'] if t['claimed_by'] else ''}"
        )
    print(
        ", ".join(f"{state}: {count}" for state, count in sorted(counts.items())) or "0 tickets",
        file=sys.stderr,
    )
    return EXIT_OK
