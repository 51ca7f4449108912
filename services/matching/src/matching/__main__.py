from shared.cli import run

from matching.app import SPEC, build_app
from matching.config import MatchingSettings


def main() -> None:
    run(SPEC, MatchingSettings, build_app, "MATCHING_HTTP_PORT")


if __name__ == "__main__":
    main()
