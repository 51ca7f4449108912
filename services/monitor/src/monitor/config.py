"""Monitor settings (env prefix MONITOR_)."""

from pydantic import Field
from shared.settings import Port, ServiceSettings, local_database


class MonitorSettings(ServiceSettings, env_prefix="MONITOR_"):
    service_name: str = "monitor"
    http_port: Port = 8105
    database_url: str = local_database("monitor")

    # How often an open SSE stream looks for new rows in the event log.
    stream_poll_seconds: float = Field(default=0.25, gt=0)
    # Comment lines keep proxies from closing an idle stream.
    stream_ping_seconds: float = Field(default=15.0, gt=0)
    # Events a fresh stream (no Last-Event-ID) replays before going live.
    stream_default_backlog: int = Field(default=50, ge=0, le=500)
    # Cells below this are hidden in the open-data export.
    open_data_min_cell: int = Field(default=5, ge=1)
    # A quarter's open-data release falls due this many days after the quarter ends (events
    # about it that arrive late still count in it); the timer looks this often whether one is
    # due. 0 turns the timer off: HR then releases with POST /open-data/releases.
    open_data_release_lag_days: int = Field(default=7, ge=0, le=90)
    open_data_timer_seconds: float = Field(default=300.0, ge=0)
    # Research extracts: the smallest group of applicants any combination of quasi-identifiers
    # may describe (README, "Research"), and how long an extract's files stay downloadable
    # (its log entry stays for good).
    research_min_group: int = Field(default=5, ge=2)
    research_retention_days: int = Field(default=7, ge=1, le=90)
