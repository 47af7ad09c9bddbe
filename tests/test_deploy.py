"""deploy/newsbot.service: what docs/operations.md promises of the systemd unit."""

from __future__ import annotations

import configparser
from pathlib import Path

UNIT = Path(__file__).resolve().parents[1] / "deploy" / "newsbot.service"


def test_service_unit_restarts_runs_confined_and_can_write_the_database() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    unit.read_string(UNIT.read_text(encoding="utf-8"))
    service = unit["Service"]
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"].startswith("/etc/")
    assert service["User"] not in ("", "root")
    assert service["NoNewPrivileges"] == "true"
    assert service["ProtectSystem"] == "strict"
    assert service["ExecStart"].endswith("newsbot run")
    db_folder = str(Path(service["Environment"].split("=", 1)[1]).parent)
    assert db_folder in service["ReadWritePaths"].split()
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_service_unit_gives_the_webhook_room_for_its_connection_cap() -> None:
    """The webhook keeps a quarter of the descriptors as connections, at
    most MAX_CONNECTIONS; the unit raises the limit so that cap is the whole 1,000."""
    from bot.webhook import MAX_CONNECTIONS

    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string(UNIT.read_text(encoding="utf-8"))
    assert int(unit["Service"]["LimitNOFILE"]) >= 4 * MAX_CONNECTIONS
