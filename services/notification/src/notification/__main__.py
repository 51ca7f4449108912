from shared.cli import run

from notification.app import SPEC, build_app
from notification.config import NotificationSettings


def main() -> None:
    run(SPEC, NotificationSettings, build_app, "NOTIFICATION_HTTP_PORT")


if __name__ == "__main__":
    main()
