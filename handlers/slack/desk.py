"""What the Slack listeners share: the agents' use cases, who may act, intake dedup, the client."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from bot.storage.inbox import SqlInbox
from escalation.agent_desk import AgentDesk
from handlers.slack.directory import AgentDirectory

SLACK_CHANNEL = "slack"  # the inbox channel name of Slack events
REFUSAL = "Only members of the support agents group can act on tickets; nothing was sent to the buyer."


@dataclass(frozen=True)
class SlackDesk:
    agents: AgentDesk
    directory: AgentDirectory
    inbox: SqlInbox
    client: AsyncWebClient

    async def tell(self, channel: str, user: str, text: str, *, thread_ts: str | None = None) -> None:
        """An ephemeral note only that agent sees."""
        if thread_ts is None:
            await self.client.chat_postEphemeral(channel=channel, user=user, text=text)
        else:
            await self.client.chat_postEphemeral(channel=channel, user=user, text=text, thread_ts=thread_ts)
