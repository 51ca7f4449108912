"""HR monitor: event log, live stream, timelines, KPIs, dead-letter replay, open data."""
