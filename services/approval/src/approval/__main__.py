from shared.cli import run

from approval.app import SPEC, build_app
from approval.config import ApprovalSettings


def main() -> None:
    run(SPEC, ApprovalSettings, build_app, "APPROVAL_HTTP_PORT")


if __name__ == "__main__":
    main()
