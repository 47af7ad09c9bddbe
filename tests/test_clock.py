"""The --clock option really moves the wall clock (so CI's moved-clock run means something)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest


def test_wall_clock_follows_the_clock_option(pytestconfig: pytest.Config) -> None:
    clock = pytestconfig.getoption("--clock")
    now = datetime.now(UTC)
    if clock:
        moved_to = datetime.fromisoformat(clock)
        # Ticking since the session started: minutes at most, never the real date.
        assert abs((now - moved_to).total_seconds()) < 3600
    # time.time() moves with it (the store's timestamps come from there).
    assert abs(time.time() - now.timestamp()) < 5
