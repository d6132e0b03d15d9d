"""Who may act on tickets (the agent user group) and how agents are named to buyers; both cached."""

from __future__ import annotations

import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from handlers.slack.payloads import display_name, member_ids

MEMBERS_TTL = 300.0  # seconds: a new agent can act within five minutes of joining the group


class AgentDirectory:
    def __init__(
        self,
        client: AsyncWebClient,
        agent_group: str | None,
        *,
        ttl: float = MEMBERS_TTL,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._group = agent_group
        self._ttl = ttl
        self._monotonic = monotonic
        self._members: frozenset[str] | None = None
        self._fetched_at = 0.0
        self._names: dict[str, str] = {}

    async def is_agent(self, user: str) -> bool:
        """Members of the configured group; with no group configured, anyone in the channels."""
        if self._group is None:
            return True
        if self._members is None or self._monotonic() - self._fetched_at > self._ttl:
            response = await self._client.usergroups_users_list(usergroup=self._group)
            self._members = member_ids(response.data if isinstance(response.data, dict) else {})
            self._fetched_at = self._monotonic()
        return user in self._members

    async def name(self, user: str) -> str:
        """The agent's display name, as the buyer will see it."""
        if user not in self._names:
            try:
                response = await self._client.users_info(user=user)
            except SlackApiError:
                return "Support"
            self._names[user] = display_name(
                response.data if isinstance(response.data, dict) else {}, "Support"
            )
        return self._names[user]
