"""Relay rules: what an agent's thread message means, with leaks to the buyer as the failure to avoid."""

from __future__ import annotations

import pytest

from escalation.priority import Priority
from escalation.relay_rules import AgentCommand, Command, Internal, Relay, RelayMode, RelayRules

RELAY = RelayRules(RelayMode.RELAY_BY_DEFAULT, "!note", "!send")
INTERNAL = RelayRules(RelayMode.INTERNAL_BY_DEFAULT, "!note", "!send")


def test_plain_text_is_relayed_by_default() -> None:
    """In relay-by-default mode ordinary words go to the buyer, trimmed."""
    assert RELAY.classify("  Your parcel left today.  ") == Relay("Your parcel left today.")


@pytest.mark.parametrize(
    "text",
    [
        "!note check stock",
        "!NOTE: check stock",
        "! note check stock",
        "refund ok !note",
        "[!note] ask finance",
    ],
)
def test_note_marker_in_any_case_or_position_keeps_it_internal(text: str) -> None:
    """The note marker wins wherever and however it is typed."""
    assert isinstance(RELAY.classify(text), Internal)


def test_unknown_bang_word_stays_internal_with_a_reason() -> None:
    """A mistyped marker is never relayed, and the agent learns why."""
    result = RELAY.classify("!ntoe she is a repeat buyer")
    assert isinstance(result, Internal)
    assert result.reason is not None
    assert "!ntoe" in result.reason


def test_message_opening_with_a_mention_stays_internal() -> None:
    """Talking to a colleague (`@name …`) is not for the buyer."""
    assert isinstance(RELAY.classify("@jo can you check the warehouse?"), Internal)


def test_internal_by_default_needs_the_send_marker() -> None:
    """Plain talk stays internal; `!send` relays what follows it."""
    assert isinstance(INTERNAL.classify("refund approved"), Internal)
    assert INTERNAL.classify("!send: Your refund is on its way") == Relay("Your refund is on its way")
    assert isinstance(INTERNAL.classify("!send"), Internal)


def test_a_longer_word_is_not_the_marker() -> None:
    """`!sending…` is not `!send`: it stays internal."""
    assert isinstance(INTERNAL.classify("!sending it later"), Internal)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!claim", Command(AgentCommand.CLAIM)),
        ("!Resolve", Command(AgentCommand.RESOLVE)),
        ("!p1", Command(AgentCommand.PRIORITY, Priority.P1)),
        ("!P3 ", Command(AgentCommand.PRIORITY, Priority.P3)),
        ("!bot", Command(AgentCommand.BACK_TO_BOT)),
    ],
)
def test_thread_commands_are_recognised_in_both_modes(text: str, expected: Command) -> None:
    """Commands work whatever the relay mode."""
    assert RELAY.classify(text) == expected
    assert INTERNAL.classify(text) == expected


def test_command_followed_by_words_is_not_run_or_relayed() -> None:
    """`!resolve after lunch` is ambiguous: neither resolved nor sent."""
    assert isinstance(RELAY.classify("!resolve after lunch"), Internal)
