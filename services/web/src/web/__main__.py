from shared.service import serve

from web.app import build_app
from web.config import WebSettings


def main() -> None:
    settings = WebSettings()
    serve(build_app(settings), settings, "WEB_HTTP_PORT")


if __name__ == "__main__":
    main()
