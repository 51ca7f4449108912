"""A service's command line. `python -m <service>` serves; `python -m <service> migrate`
applies its database migrations and exits, so a deployment migrates once (a Kubernetes Job or
Helm hook) before its pods roll, instead of every pod racing to migrate at start."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from fastapi import FastAPI

from shared.db import create_pool, migrate
from shared.service import serve
from shared.settings import ServiceSettings
from shared.spec import ServiceSpec

S = TypeVar("S", bound=ServiceSettings)


def run(spec: ServiceSpec, settings_class: type[S], build_app: Callable[[S], FastAPI],
        port_variable: str, argv: Sequence[str] | None = None) -> None:
    prefix = settings_class.model_config.get("env_prefix", "")
    parser = argparse.ArgumentParser(
        prog=f"python -m {spec.name}", description=f"{spec.title}: {spec.description}",
        epilog=f"Settings come from {prefix}* environment variables (and BPS_ENV); "
               "see docs/conventions.md.")
    parser.add_argument("command", nargs="?", choices=("serve", "migrate"), default="serve",
                        help="serve (the default): run the service; migrate: apply the "
                             "database migrations and exit")
    args = parser.parse_args(argv)
    settings = settings_class()  # after parsing, so --help needs no configuration
    if args.command == "migrate":
        applied = asyncio.run(migrate_database(settings, spec.migrations))
        print(f"{spec.name}: {len(applied)} migration(s) applied"
              + (f": {', '.join(applied)}" if applied else " (the database was up to date)"))
        return
    serve(build_app(settings), settings, port_variable)


async def migrate_database(settings: ServiceSettings, migrations: Path) -> list[str]:
    pool = await create_pool(settings.database_url, 1, 1)
    try:
        return await migrate(pool, migrations)
    finally:
        await pool.close()
