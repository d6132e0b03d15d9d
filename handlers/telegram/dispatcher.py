"""Assembles the Telegram side: routers, plumbing middlewares and the services they are given."""

from __future__ import annotations

from collections.abc import Callable

from aiogram import Dispatcher

from escalation.desk import BuyerDesk
from escalation.sla import Clock
from handlers.telegram.buttons import buttons_router
from handlers.telegram.commands import commands_router
from handlers.telegram.flood import FloodControl, FloodMiddleware
from handlers.telegram.intake import Inbox, InboxMiddleware
from handlers.telegram.membership import membership_router
from handlers.telegram.messages import messages_router


def build_dispatcher(
    *, desk: BuyerDesk, inbox: Inbox, clock: Clock, flood: FloodControl, wake: Callable[[], None]
) -> Dispatcher:
    """Services are workflow data: handlers receive `desk`, `inbox` and `clock` by parameter name."""
    dispatcher = Dispatcher(desk=desk, inbox=inbox, clock=clock)
    # Order matters: the inbox stores the update before flood control or any handler runs.
    dispatcher.update.outer_middleware(InboxMiddleware(inbox))
    dispatcher.update.outer_middleware(FloodMiddleware(flood, inbox, wake))
    dispatcher.include_routers(commands_router(), buttons_router(), membership_router(), messages_router())
    return dispatcher
