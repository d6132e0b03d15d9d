"""Every Slack dict we read is parsed here, into small typed values; listeners never dig in dicts."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from escalation.priority import Priority

CLAIM = "ticket_claim"
RESOLVE = "ticket_resolve"
PRIORITY = "ticket_priority"
BACK_TO_BOT = "ticket_back_to_bot"
ACTION_IDS = (CLAIM, RESOLVE, PRIORITY, BACK_TO_BOT)

# Plain human messages; file_share carries text too, thread_broadcast is "also send to channel".
_HUMAN_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})


@dataclass(frozen=True)
class DeskRef:
    """One desk message: its channel, the ticket thread it sits in, and its own ts."""

    channel: str
    thread: str
    ts: str

    def __str__(self) -> str:
        return f"slack:{self.channel}:{self.thread}:{self.ts}"

    @classmethod
    def parse(cls, value: str) -> DeskRef | None:
        parts = value.split(":")
        if len(parts) != 4 or parts[0] != "slack":
            return None
        return cls(parts[1], parts[2], parts[3])


@dataclass(frozen=True)
class ThreadMessage:
    """A person's message in a thread (a reply, or an edit of one when `edited`)."""

    event_id: str | None
    channel: str
    thread_ts: str
    ts: str
    user: str
    text: str
    edited: bool = False

    @property
    def ref(self) -> DeskRef:
        return DeskRef(self.channel, self.thread_ts, self.ts)


@dataclass(frozen=True)
class ButtonPress:
    action_id: str
    ticket_id: int
    user: str
    channel: str
    message_ts: str
    priority: Priority | None = None


def thread_message(body: Mapping[str, Any]) -> ThreadMessage | None:
    """The event's thread message by a person, or None (bots, top-level posts, other events)."""
    event = body.get("event") or {}
    if event.get("type") != "message":
        return None
    event_id = body.get("event_id")
    subtype = event.get("subtype")
    if subtype == "message_changed":
        message = event.get("message") or {}
        if message.get("bot_id") or message.get("subtype") not in _HUMAN_SUBTYPES:
            return None
        return _message(event_id, str(event.get("channel", "")), message, edited=True)
    if subtype not in _HUMAN_SUBTYPES or event.get("bot_id"):
        return None
    return _message(event_id, str(event.get("channel", "")), event, edited=False)


def _message(
    event_id: Any, channel: str, message: Mapping[str, Any], *, edited: bool
) -> ThreadMessage | None:
    thread_ts, ts, user = message.get("thread_ts"), message.get("ts"), message.get("user")
    if not (channel and thread_ts and ts and user) or thread_ts == ts:
        return None  # not in a thread, or the thread's parent itself
    return ThreadMessage(
        event_id=str(event_id) if event_id else None,
        channel=channel,
        thread_ts=str(thread_ts),
        ts=str(ts),
        user=str(user),
        text=plain_text(str(message.get("text") or "")),
        edited=edited,
    )


def button_press(body: Mapping[str, Any]) -> ButtonPress | None:
    """A press of one of the ticket post's controls, or None when it is not one of ours."""
    actions = body.get("actions") or []
    if not actions:
        return None
    action = actions[0]
    action_id = str(action.get("action_id", ""))
    if action_id not in ACTION_IDS:
        return None
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    user = (body.get("user") or {}).get("id")
    raw = (action.get("selected_option") or {}).get("value") if action_id == PRIORITY else action.get("value")
    if not (channel and message_ts and user and raw):
        return None
    ticket, _, level = str(raw).partition(":")
    if not ticket.isdigit():
        return None
    priority = Priority(level) if level in Priority.__members__ else None
    if action_id == PRIORITY and priority is None:
        return None
    return ButtonPress(action_id, int(ticket), str(user), str(channel), str(message_ts), priority)


def member_ids(response: Mapping[str, Any]) -> frozenset[str]:
    """usergroups.users.list → the member ids."""
    return frozenset(str(user) for user in response.get("users") or ())


def display_name(response: Mapping[str, Any], fallback: str) -> str:
    """users.info → the name agents chose to show (display name, else real name)."""
    user = response.get("user") or {}
    profile = user.get("profile") or {}
    for name in (
        profile.get("display_name"),
        profile.get("real_name"),
        user.get("real_name"),
        user.get("name"),
    ):
        if name and str(name).strip():
            return str(name).strip()
    return fallback


def posted(response: Mapping[str, Any]) -> tuple[str, str]:
    """chat.postMessage → (channel id, ts)."""
    return str(response["channel"]), str(response["ts"])


def retry_after(headers: Mapping[str, Any]) -> float | None:
    """The Retry-After header of a rate-limited response, in seconds."""
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                return None
    return None


_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


def plain_text(mrkdwn: str) -> str:
    """Slack's message text as a buyer should read it: links unwrapped, entities decoded."""

    def link(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith(("@", "#", "!")):
            # Kept visible as "@…" so a message that opens by addressing a colleague stays internal.
            sigil = "#" if target.startswith("#") else "@"
            return sigil + (label or target[1:]).lstrip("@#")
        target = target.removeprefix("mailto:")
        return f"{label} ({target})" if label and label != target else target

    return html.unescape(_LINK.sub(link, mrkdwn)).strip()


def escape(text: str) -> str:
    """Buyer text shown in Slack: no accidental mentions or links (`<!channel>`)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
