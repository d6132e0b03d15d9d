"""The ticket post's controls: Claim, Resolve, Priority ▾, Back to bot. Acknowledged first (3 s rule)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from escalation.agent_desk import ReplyOutcomeKind
from escalation.relay_rules import AgentCommand, Command
from handlers.slack.desk import REFUSAL, SlackDesk
from handlers.slack.payloads import ACTION_IDS, BACK_TO_BOT, CLAIM, RESOLVE, ButtonPress, button_press

_COMMANDS = {
    CLAIM: AgentCommand.CLAIM,
    RESOLVE: AgentCommand.RESOLVE,
    BACK_TO_BOT: AgentCommand.BACK_TO_BOT,
}


def register(app: AsyncApp, desk: SlackDesk) -> None:
    async def on_action(ack: Callable[[], Awaitable[Any]], body: dict[str, Any]) -> None:
        await ack()
        press = button_press(body)
        if press is not None:
            await handle_press(desk, press)

    for action_id in ACTION_IDS:
        app.action(action_id)(on_action)


async def handle_press(desk: SlackDesk, press: ButtonPress) -> None:
    if not await desk.directory.is_agent(press.user):
        await desk.tell(press.channel, press.user, REFUSAL)
        return
    agent = await desk.directory.name(press.user)
    command = (
        Command(AgentCommand.PRIORITY, press.priority)
        if press.priority is not None
        else Command(_COMMANDS[press.action_id])
    )
    outcome = await desk.agents.command(press.ticket_id, command, agent=agent)
    if outcome.kind is ReplyOutcomeKind.REFUSED and outcome.note:
        await desk.tell(press.channel, press.user, outcome.note)
