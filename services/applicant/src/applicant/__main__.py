from shared.service import serve

from applicant.app import build_app
from applicant.config import ApplicantSettings


def main() -> None:
    settings = ApplicantSettings()
    serve(build_app(settings), settings, "APPLICANT_HTTP_PORT")


if __name__ == "__main__":
    main()
