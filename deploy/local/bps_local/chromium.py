"""Make sure Debian's Chromium is installed for the web pages' browser tests.

Playwright's own browser download cannot work on a machine that only reaches package
registries, so the browser test drives Debian's `chromium` at /usr/bin/chromium instead.
Usage: python -m bps_local.chromium ensure
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")


def ensure() -> int:
    if CHROMIUM.exists():
        return 0
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        print("chromium: /usr/bin/chromium is missing and this is not a root Debian shell; "
              "install it with `sudo apt-get install -y chromium` and run again.",
              file=sys.stderr)
        return 1
    print("chromium: installing Debian's chromium for the browser test (first run only)...",
          flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-qq", "chromium"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        # A bare machine may have no package lists yet.
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(install, check=True, env=env)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["ensure"], help="install chromium when missing")
    parser.parse_args()
    return ensure()


if __name__ == "__main__":
    sys.exit(main())
