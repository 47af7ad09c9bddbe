"""Telegram's fixed limits that more than one part of the bot must agree on.

Pure constants, so the domain, the intake and the delivery pipeline can share them
without importing each other.
"""

from __future__ import annotations

# Telegram lets a bot delete its messages for 48 hours (a minute's margin).
DELETE_WINDOW = 48 * 3600 - 60
