"""Storage: SQLite (store.py, db.py) or PostgreSQL (postgres.py, pgconn.py), one interface."""

from storage.pgconn import StoreUnavailable
from storage.store import Store, SubscribeResult

__all__ = ["Store", "StoreUnavailable", "SubscribeResult"]
