"""Runs a service module under pyinstrument, for `--profile` on benches whose subject is its own
process (the in-process benches are profiled by tests.perf.run itself).

    BENCH_PROFILE_MODULE=applicant BENCH_PROFILE_OUT=bench-results/profile-x \\
        python -m tests.perf.profiled        # writes profile-x.html and profile-x.txt at exit

The service stops on SIGTERM as usual; uvicorn then re-raises the signal with the handler it
found, which here is a SystemExit, so the profile is written as the process ends.
"""

from __future__ import annotations

import os
import runpy
import signal
import sys
from pathlib import Path

from pyinstrument import Profiler


def main() -> None:
    module, out = os.environ["BENCH_PROFILE_MODULE"], Path(os.environ["BENCH_PROFILE_OUT"])
    # 5 ms: a whole service at 1 ms costs several times its own CPU and hides what we look for
    profiler = Profiler(async_mode="disabled", interval=0.005)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    profiler.start()
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    finally:
        profiler.stop()
        out.with_name(out.name + ".html").write_text(profiler.output_html())
        out.with_name(out.name + ".txt").write_text(
            profiler.output_text(unicode=False, show_all=False))


if __name__ == "__main__":
    main()
