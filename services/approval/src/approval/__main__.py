from shared.service import serve

from approval.app import build_app
from approval.config import ApprovalSettings


def main() -> None:
    settings = ApprovalSettings()
    serve(build_app(settings), settings, "APPROVAL_HTTP_PORT")


if __name__ == "__main__":
    main()
