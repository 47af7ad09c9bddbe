"""SQLite storage: the connection, its migrations and every query the bot makes."""

from storage.store import Store, SubscribeResult

__all__ = ["Store", "SubscribeResult"]
