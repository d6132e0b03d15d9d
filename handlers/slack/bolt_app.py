"""The bolt `AsyncApp` for the agents' desk, its listeners registered per family."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import SlackSettings
from bot.storage.inbox import SqlInbox
from escalation.agent_desk import AgentDesk
from escalation.priority import Priority
from escalation.relay_rules import RelayMode, RelayRules
from escalation.routing import DeskRouting
from handlers.slack import actions, messages
from handlers.slack.desk import SlackDesk
from handlers.slack.directory import AgentDirectory


def relay_rules(settings: SlackSettings) -> RelayRules:
    return RelayRules(RelayMode(settings.relay), settings.note_marker, settings.send_marker)


def desk_routing(settings: SlackSettings) -> DeskRouting:
    channels = settings.channels
    by_priority = {
        p: c
        for p, c in ((Priority.P1, channels.P1), (Priority.P2, channels.P2), (Priority.P3, channels.P3))
        if c
    }
    return DeskRouting(
        default=channels.default,
        by_priority=by_priority,
        by_language=dict(channels.by_language),
        escalation=channels.escalation,
        admin=channels.admin,
    )


def build_slack_app(
    settings: SlackSettings,
    *,
    agents: AgentDesk,
    inbox: SqlInbox,
    client: AsyncWebClient,
    process_before_response: bool = False,
) -> AsyncApp:
    """HTTP mode verifies Slack's request signature; Socket Mode needs no public endpoint.

    With `process_before_response=False` (production) bolt acknowledges events before the listener
    runs, so Slack's 3-second rule holds however slow the database is; tests pass True to await it.
    """
    http = settings.mode == "http"
    app = AsyncApp(
        client=client,
        signing_secret=settings.signing_secret.get_secret_value()
        if http and settings.signing_secret
        else None,
        request_verification_enabled=http,
        process_before_response=process_before_response,
    )
    desk = SlackDesk(
        agents=agents, directory=AgentDirectory(client, settings.agent_group), inbox=inbox, client=client
    )
    messages.register(app, desk)
    actions.register(app, desk)
    return app
