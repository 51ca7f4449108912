from shared.service import serve

from monitor.app import build_app
from monitor.config import MonitorSettings


def main() -> None:
    settings = MonitorSettings()
    serve(build_app(settings), settings, "MONITOR_HTTP_PORT")


if __name__ == "__main__":
    main()
