"""`borderdesk` — the command line: chat, run, db, faq, eval, tickets, config."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from bot.config import ConfigError, Settings, load_settings
from knowledge.cases import CaseFileError
from knowledge.content import ContentError

logger = logging.getLogger("borderdesk")

EXIT_OK = 0
EXIT_FAILED = 1  # a check found problems / targets not met
EXIT_USAGE = 2  # bad config, bad input file, cannot start


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="borderdesk",
        description="Multilingual customer-service bot for cross-border sellers.",
    )
    parser.add_argument(
        "--config", type=Path, help="config file (default: $BORDERDESK_CONFIG, ./config.toml)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = commands.add_parser(
        "chat", help="chat with the bot in this terminal as a buyer (no tokens needed)"
    )
    chat.add_argument("--lang", help="the buyer's app language, e.g. de (detection still applies)")
    chat.add_argument("--country", help="the buyer's country, ISO code, e.g. DE")

    commands.add_parser("run", help="serve buyers on Telegram and agents on Slack as configured")

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_commands.add_parser("upgrade", help="migrate the schema up (default: to the newest)")
    upgrade.add_argument("revision", nargs="?", default="head")
    downgrade = db_commands.add_parser("downgrade", help="migrate the schema down to a revision")
    downgrade.add_argument("revision")
    current = db_commands.add_parser("current", help="show the schema revision")
    current.add_argument("--json", action="store_true")

    faq = commands.add_parser("faq", help="FAQ files")
    faq_commands = faq.add_subparsers(dest="faq_command", required=True, metavar="ACTION")
    check = faq_commands.add_parser(
        "check", help="validate FAQ, data and complaint files; exit 1 on problems"
    )
    check.add_argument("dir", nargs="?", type=Path, help="FAQ directory (default: [faq] dir)")
    check.add_argument("--json", action="store_true")
    stamp = faq_commands.add_parser("stamp", help="record the source hash beside each translation")
    stamp.add_argument("dir", nargs="?", type=Path)

    evaluate = commands.add_parser("eval", help="measure accuracy on a case file")
    eval_commands = evaluate.add_subparsers(dest="eval_command", required=True, metavar="WHAT")
    for name, what in (
        ("faq", "FAQ matching"),
        ("lang", "language detection"),
        ("complaints", "complaint detection"),
    ):
        sub = eval_commands.add_parser(name, help=f"evaluate {what}")
        sub.add_argument("--cases", type=Path, required=True, help="JSON Lines case file")
        sub.add_argument("--json", action="store_true", help="print one JSON object")

    tickets = commands.add_parser("tickets", help="list tickets")
    tickets.add_argument("--all", action="store_true", help="include resolved tickets")
    tickets.add_argument("--limit", type=int, default=50)
    tickets.add_argument("--json", action="store_true")
    tickets.add_argument("--overdue", action="store_true", help="only tickets past their response deadline")
    tickets.add_argument("--sla", action="store_true", help="add the response-time summary per priority")

    config = commands.add_parser("config", help="configuration")
    config_commands = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    show = config_commands.add_parser("check", help="validate and print the effective configuration")
    show.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings, path = load_settings(args.config)
    except ConfigError as exc:
        print(f"borderdesk: {exc}", file=sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(
        level=settings.logging.level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Migration and scheduler chatter is noise in a terminal chat; their warnings still show.
    for chatty in ("alembic", "apscheduler"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, logging.getLogger().level))
    handler = _HANDLERS[args.command]
    try:
        return handler(args, settings, path)
    except ContentError as exc:
        print(f"borderdesk: content files are invalid:\n{exc}", file=sys.stderr)
        return EXIT_USAGE
    except CaseFileError as exc:
        print(f"borderdesk: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_OK
    except BrokenPipeError:
        # `borderdesk eval … | head` closed the pipe early: not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _run(coroutine: Coroutine[Any, Any, int]) -> int:
    from bot.wiring import StartupError  # noqa: PLC0415 - keep `--help` and `config` fast

    try:
        return asyncio.run(coroutine)
    except StartupError as exc:
        print(f"borderdesk: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _chat(args: argparse.Namespace, settings: Settings, _path: Path | None) -> int:
    from bot.app import run_console_chat  # noqa: PLC0415

    return _run(run_console_chat(settings, chat_language=args.lang, country=args.country))


def _serve(_args: argparse.Namespace, settings: Settings, _path: Path | None) -> int:
    from bot.app import run_channels  # noqa: PLC0415

    return _run(run_channels(settings))


def _db(args: argparse.Namespace, settings: Settings, _path: Path | None) -> int:
    from bot.admin import db_command  # noqa: PLC0415

    return _run(
        db_command(
            settings, args.db_command, getattr(args, "revision", None), as_json=getattr(args, "json", False)
        )
    )


def _faq(args: argparse.Namespace, settings: Settings, _path: Path | None) -> int:
    from bot.admin import faq_check, faq_stamp  # noqa: PLC0415

    if args.faq_command == "stamp":
        return faq_stamp(args.dir or settings.faq.dir)
    return faq_check(settings, args.dir, as_json=args.json)


def _eval(args: argparse.Namespace, settings: Settings, _path: Path | None) -> int:
    from bot.admin import evaluate  # noqa: PLC0415

    return evaluate(settings, args.eval_command, args.cases, as_json=args.json)


def _tickets(args: argparse.Namespace, settings: Settings, _path: Path | None) -> int:
    from bot.admin import list_tickets  # noqa: PLC0415

    return _run(
        list_tickets(
            settings,
            include_resolved=args.all,
            limit=args.limit,
            as_json=args.json,
            overdue=args.overdue,
            sla=args.sla,
        )
    )


def _config(args: argparse.Namespace, settings: Settings, path: Path | None) -> int:
    # model_dump keeps SecretStr masked, so printing the whole config never shows a token.
    data = json.loads(settings.model_dump_json())
    data["database"]["url"] = _masked_db_url(settings)
    if args.json:
        print(
            json.dumps({"file": str(path) if path else None, "settings": data}, indent=2, ensure_ascii=False)
        )
    else:
        print(f"configuration OK ({path or 'built-in defaults'})")
        print(json.dumps(data, indent=2, ensure_ascii=False))
    return EXIT_OK


def _masked_db_url(settings: Settings) -> str:
    from bot.storage.database import display_url  # noqa: PLC0415

    return display_url(settings.database)


_HANDLERS: dict[str, Callable[[argparse.Namespace, Settings, Path | None], int]] = {
    "chat": _chat,
    "run": _serve,
    "db": _db,
    "faq": _faq,
    "eval": _eval,
    "tickets": _tickets,
    "config": _config,
}
