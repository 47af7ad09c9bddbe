"""`newsbot backup PATH`: a consistent copy of the live SQLite database.

SQLite's online backup API (`sqlite3.Connection.backup`) copies the database page by page
inside one read transaction when asked for every page in one step (`pages=-1`): the copy is
the database as of one commit, and in WAL mode that read does not stop the bot's writer
(alerts keep going out while it runs).  The copy is written to a temporary file beside the
target and renamed into place when complete, so a failed or interrupted backup never
leaves a half-written file under the target's name.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path


class BackupError(Exception):
    """The backup cannot be made (the message is one line for the operator)."""


def backup_sqlite(source: Path, target: Path) -> int:
    """Copy the database at `source` to `target`; return the copy's size in bytes."""
    if not source.is_file():
        raise BackupError(f"database {source} bestaat niet")
    if target.is_dir():
        raise BackupError(f"{target} is een map; geef een bestandsnaam")
    folder = target.parent
    if not folder.is_dir():
        raise BackupError(f"map {folder} bestaat niet")
    if not os.access(folder, os.W_OK):
        raise BackupError(f"map {folder} is niet schrijfbaar")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError("de backup kan niet de database zelf overschrijven")
    partial = target.with_name(f".{target.name}.partial")
    try:
        src = sqlite3.connect(source)  # reads only; the file exists (checked above)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst, pages=-1)  # one step: one read transaction, one snapshot
                dst.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
            finally:
                dst.close()
        finally:
            src.close()
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise BackupError(f"backup mislukt: {exc}") from None
    return target.stat().st_size
