"""Routing of new tickets to the agents' channels."""

from __future__ import annotations

from escalation.priority import Priority
from escalation.routing import DeskRouting

ROUTING = DeskRouting(
    default="CALL",
    by_priority={Priority.P1: "CURGENT"},
    by_language={"ja": "CJAPAN"},
    escalation="CESC",
)


def test_language_channel_comes_first() -> None:
    """A Japanese buyer goes to the Japanese team, even at P1."""
    assert ROUTING.channel_for(Priority.P1, "ja") == "CJAPAN"


def test_priority_channel_then_default() -> None:
    """Without a language channel, P1 goes to its channel and the rest to the default."""
    assert ROUTING.channel_for(Priority.P1, "de") == "CURGENT"
    assert ROUTING.channel_for(Priority.P2, "de") == "CALL"
    assert ROUTING.channel_for(Priority.P3, None) == "CALL"


def test_nothing_configured_gives_no_channel() -> None:
    """An empty routing table answers None (the caller waits for configuration)."""
    assert DeskRouting().channel_for(Priority.P1, "en") is None


def test_escalation_falls_back_to_the_p1_channel() -> None:
    """Breaches go to the escalation channel, else the P1 channel, else the default."""
    assert ROUTING.escalation_channel() == "CESC"
    assert DeskRouting(default="CALL", by_priority={Priority.P1: "CURGENT"}).escalation_channel() == "CURGENT"
    assert DeskRouting(default="CALL").escalation_channel() == "CALL"
