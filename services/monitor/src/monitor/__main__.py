from shared.cli import run

from monitor.app import SPEC, build_app
from monitor.config import MonitorSettings


def main() -> None:
    run(SPEC, MonitorSettings, build_app, "MONITOR_HTTP_PORT")


if __name__ == "__main__":
    main()
