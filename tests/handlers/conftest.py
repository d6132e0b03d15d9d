"""Fixtures shared by the channel tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.handlers.telegram_emulator import emulator as emulation


@pytest.fixture(scope="module")
def emulator() -> Iterator[Any]:
    """The npm `telegram-test-api` emulator on loopback; skips with its reason where node/npm is missing."""
    reason = emulation.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    running = emulation.Emulator()
    yield running
    running.stop()
