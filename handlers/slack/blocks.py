"""Block Kit for the agents: the ticket post (redrawn with `chat.update`) and thread notes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from escalation.priority import Priority
from escalation.tickets import HandOff, TicketState, TicketView
from handlers.slack.payloads import BACK_TO_BOT, CLAIM, PRIORITY, RESOLVE, escape
from handlers.tags import PRIORITY_MARK, priority_tag

Block = dict[str, Any]

_STATE_LABEL = {
    TicketState.OPEN: "🆕 Open — nobody has claimed it",
    TicketState.CLAIMED: "🙋 Claimed",
    TicketState.WAITING_FOR_BUYER: "⏳ Waiting for the buyer",
    TicketState.RESOLVED: "✅ Resolved",
}
_TRANSCRIPT_LINES = 8
_LINE_CHARS = 280
_SECTION_CHARS = 2900  # Slack's section text limit is 3000


def slack_date(at: datetime, fallback_format: str = "%Y-%m-%d %H:%M UTC") -> str:
    """A date every agent sees in their own time zone."""
    utc = at.astimezone(UTC)
    return f"<!date^{int(utc.timestamp())}^{{date_short_pretty}} {{time}}|{utc.strftime(fallback_format)}>"


def buyer_local_time(country: str | None, explicit: datetime | None, now: datetime) -> str | None:
    """The buyer's wall clock: given, or from the country's time zone(s) (a range when they differ)."""
    if explicit is not None:
        return explicit.strftime("%H:%M")
    if not country:
        return None
    from babel.core import get_global  # noqa: PLC0415 - only needed to draw the post

    zones = get_global("territory_zones").get(country.upper()) or []
    times = sorted({now.astimezone(ZoneInfo(zone)).strftime("%H:%M") for zone in zones})
    if not times:
        return None
    return times[0] if len(times) == 1 else f"{times[0]}–{times[-1]}"


def ticket_text(ticket: TicketView, handoff: HandOff | None) -> str:
    """The notification / fallback text of the post."""
    who = (handoff.buyer_name if handoff else None) or "a buyer"
    return f"{priority_tag(ticket.priority, ticket.category)} · ticket #{ticket.id} from {who}"


def ticket_blocks(
    ticket: TicketView,
    handoff: HandOff | None,
    *,
    now: datetime,
    sla_note: str | None = None,
) -> list[Block]:
    """The ticket post: tag, who the buyer is, why, the recent transcript, the deadline, controls."""
    blocks: list[Block] = [
        _section(f"*{priority_tag(ticket.priority, ticket.category)}* · ticket #{ticket.id}"),
    ]
    fields = [f"*State*\n{_state(ticket)}"]
    if handoff is not None:
        language = handoff.language
        local = buyer_local_time(handoff.country, handoff.buyer_local_time, now)
        country = handoff.country or "unknown"
        fields += [
            f"*Buyer*\n{escape(handoff.buyer_name or 'unknown')}",
            f"*Language*\n{language}",
            f"*Country · local time*\n{country}" + (f" · {local}" if local else ""),
            f"*Tier*\n{'⭐ VIP' if handoff.vip else 'standard'}",
            f"*First response due*\n{slack_date(handoff.first_response_due)}",
        ]
        if handoff.order:
            fields.append(f"*Order*\n{escape(handoff.order)}")
    blocks.append({"type": "section", "fields": [_mrkdwn(field) for field in fields[:10]]})
    if handoff is not None and handoff.matched_phrases:
        quoted = ", ".join(f"“{escape(phrase)}”" for phrase in handoff.matched_phrases)
        blocks.append({"type": "context", "elements": [_mrkdwn(f"Matched: {quoted}")]})
    if handoff is not None and handoff.transcript:
        lines = []
        for line in handoff.transcript[-_TRANSCRIPT_LINES:]:
            author = line.author_name if line.author == "agent" and line.author_name else line.author
            text = escape(line.text[:_LINE_CHARS] + ("…" if len(line.text) > _LINE_CHARS else ""))
            lines.append(f"> *{escape(author)}:* {text}".replace("\n", "\n> "))
        blocks.append(_section("\n".join(lines)[:_SECTION_CHARS]))
    if sla_note:
        blocks.append({"type": "context", "elements": [_mrkdwn(sla_note)]})
    if ticket.state is not TicketState.RESOLVED:
        blocks.append(_controls(ticket))
    return blocks


def _controls(ticket: TicketView) -> Block:
    value = str(ticket.id)
    options = [
        {
            "text": {"type": "plain_text", "text": f"{PRIORITY_MARK[p]} {p.value}"},
            "value": f"{value}:{p.value}",
        }
        for p in Priority
    ]
    elements: list[Block] = []
    if ticket.claimed_by is None:
        elements.append(_button("Claim", CLAIM, value, style="primary"))
    elements += [
        _button("Resolve", RESOLVE, value),
        {
            "type": "static_select",
            "action_id": PRIORITY,
            "placeholder": {"type": "plain_text", "text": "Priority"},
            "options": options,
            "initial_option": options[ticket.priority.rank - 1],
        },
        _button("Back to bot", BACK_TO_BOT, value),
    ]
    return {"type": "actions", "block_id": f"ticket:{ticket.id}", "elements": elements}


def _state(ticket: TicketView) -> str:
    label = _STATE_LABEL[ticket.state]
    if ticket.claimed_by and ticket.state is not TicketState.RESOLVED:
        label += f" by {escape(ticket.claimed_by)}"
    return label


def buyer_message_text(payload: Mapping[str, Any]) -> str:
    """A buyer's follow-up as a thread post."""
    name = escape(str(payload.get("buyer_name") or "Buyer"))
    text = escape(str(payload.get("text") or ""))
    kind = str(payload.get("content_kind") or "text")
    marks = []
    if payload.get("edited"):
        marks.append("edited")
    if payload.get("reply_to_message_id"):
        marks.append(f"replying to message {escape(str(payload['reply_to_message_id']))}")
    head = f"💬 *{name}*" + (f" _({', '.join(marks)})_" if marks else "")
    if kind != "text" and not text:
        text = f"[{kind}]"
    return f"{head}: {text}"


def file_note(payload: Mapping[str, Any]) -> str:
    """Said in the thread when a buyer's file cannot be copied into Slack."""
    attachment = payload.get("attachment") or {}
    name = escape(str(attachment.get("file_name") or payload.get("content_kind") or "file"))
    return f"📎 The buyer sent a {escape(str(payload.get('content_kind') or 'file'))} ({name}); it could not be copied here."


def sla_text(payload: Mapping[str, Any], *, mention: str | None) -> str:
    """An SLA reminder or breach, for the ticket's thread."""
    clock = "first response" if payload.get("clock") == "first_response" else "next response"
    due = datetime.fromisoformat(str(payload["due_at"]))
    priority = str(payload.get("priority") or "")
    if payload.get("point") == "breach":
        who = f"{mention} " if mention else ""
        return f"🚨 {who}*{priority} {clock} overdue* — it was due {slack_date(due)}."
    return f"⏰ {priority} {clock} due {slack_date(due)}."


def sla_note(payload: Mapping[str, Any], now: datetime) -> str:
    """The post's SLA line: time left, coloured by urgency."""
    due = datetime.fromisoformat(str(payload["due_at"]))
    minutes = round((due - now).total_seconds() / 60)
    if payload.get("point") == "breach" or minutes <= 0:
        return f"🔴 SLA breached ({-minutes} min over)"
    colour = "🟠" if minutes <= 30 else "🟡"
    return f"{colour} {minutes} min left to answer (due {slack_date(due)})"


def mention(target: str | None) -> str | None:
    """`S…` is a user group, `U…`/`W…` a person, `here`/`channel` a broadcast."""
    if not target:
        return None
    if target in {"here", "channel"}:
        return f"<!{target}>"
    if target.startswith("S"):
        return f"<!subteam^{target}>"
    return f"<@{target}>"


def _section(text: str) -> Block:
    return {"type": "section", "text": _mrkdwn(text)}


def _mrkdwn(text: str) -> Block:
    return {"type": "mrkdwn", "text": text}


def _button(label: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button
