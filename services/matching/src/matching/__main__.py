from shared.service import serve

from matching.app import build_app
from matching.config import MatchingSettings


def main() -> None:
    settings = MatchingSettings()
    serve(build_app(settings), settings, "MATCHING_HTTP_PORT")


if __name__ == "__main__":
    main()
