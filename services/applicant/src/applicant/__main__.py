from shared.cli import run

from applicant.app import SPEC, build_app
from applicant.config import ApplicantSettings


def main() -> None:
    run(SPEC, ApplicantSettings, build_app, "APPLICANT_HTTP_PORT")


if __name__ == "__main__":
    main()
