"""The local runtime without Docker (`make setup/infra/run/stop`), one module per concern:

  bps_local.kafka      the KRaft broker and three-node cluster (CLI: python -m bps_local.kafka)
  bps_local.postgres   the throw-away PostgreSQL cluster   (CLI: python -m bps_local.postgres)
  bps_local.run        `make run`'s supervisor
  bps_local.simulate   `make simulate`
  bps_local.chromium   Debian's Chromium for the browser test

Everything it writes lives under the checkout's .local/ (git-ignored, throw-away).
"""

import sys
from pathlib import Path

# deploy/local/bps_local/__init__.py -> the checkout (a workspace member, installed editable)
ROOT = Path(__file__).resolve().parents[3]
HERE = ROOT / "deploy" / "local"
LOCAL = ROOT / ".local"
LOGS = LOCAL / "logs"


class ToolError(RuntimeError):
    """A failure with a message meant for a person (no stack trace needed): the CLIs print it
    and exit non-zero."""


def speaker(tool: str):
    """A `say` for one tool: progress lines on stderr, prefixed with the tool's name, so they
    never mix with output meant for a pipe."""
    def say(msg: str) -> None:
        print(f"{tool}: {msg}", file=sys.stderr, flush=True)
    return say
