"""The local runtime without Docker (`make setup/infra/run/stop`), one module per concern:

  bps_local.kafka      the KRaft broker and three-node cluster (CLI: python -m bps_local.kafka)
  bps_local.postgres   the throw-away PostgreSQL cluster   (CLI: python -m bps_local.postgres)
  bps_local.run        `make run`'s supervisor
  bps_local.simulate   `make simulate`
  bps_local.chromium   Debian's Chromium for the browser test

Everything it writes lives under the checkout's .local/ (git-ignored, throw-away).
"""

from pathlib import Path

# deploy/local/bps_local/__init__.py -> the checkout (a workspace member, installed editable)
ROOT = Path(__file__).resolve().parents[3]
HERE = ROOT / "deploy" / "local"
LOCAL = ROOT / ".local"
LOGS = LOCAL / "logs"
