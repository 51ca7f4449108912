from shared.service import serve

from notification.app import build_app
from notification.config import NotificationSettings


def main() -> None:
    settings = NotificationSettings()
    serve(build_app(settings), settings, "NOTIFICATION_HTTP_PORT")


if __name__ == "__main__":
    main()
