"""When a delivery goes again: the sender's waits, and the backoff of a chat's own failures.

Only a chat's own failures spend a delivery's attempts: Telegram answers other chats but
not this one (a 5xx or timeout for it alone, which the outage gate settled as the chat's
problem).  Those back off per delivery, doubling with jitter, and give up after a bounded
number of attempts with the reason recorded.  A 429 and an outage never spend an attempt:
Telegram said when to come back, or nothing could go at all.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass

from storage.outbox import Delivery, Failed, Outcome, Reason, Retry

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE = 1.0  # seconds; doubles per attempt, with jitter
BACKOFF_CAP = 300.0


@dataclass(frozen=True)
class Timings:
    """The sender's waits; tests shorten them.  None: the module constant above."""

    retry_base: float | None = None
    retry_cap: float | None = None
    max_attempts: int | None = None
    probe_base: float = 1.0  # outage: first probe (getMe) after this, doubling...
    probe_cap: float = 30.0  # ... up to this
    expire_every: float = 60.0  # seconds between sweeps for alerts past NEWSBOT_ALERT_MAX_AGE

    def backoff(self, delivery: Delivery, error: str) -> Outcome:
        """The chat's own failure: try again later, or give up when the attempts are spent."""
        max_attempts = self.max_attempts or MAX_ATTEMPTS
        base = self.retry_base or BACKOFF_BASE
        cap = self.retry_cap or BACKOFF_CAP
        attempts = delivery.attempts + 1
        if attempts >= max_attempts:
            log.warning("giving up on delivery %s after %d attempts: %s",
                        delivery.id, attempts, error)
            return Failed(delivery.id, Reason.GAVE_UP, f"na {attempts} pogingen: {error}")
        delay = min(cap, base * 2 ** (attempts - 1))
        delay *= random.uniform(0.5, 1.5)  # jitter: do not retry a burst in lockstep
        return Retry(delivery.id, attempts, time.time() + delay, error)
