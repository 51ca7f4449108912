"""A real SMTP server for development and tests (aiosmtpd): each accepted message becomes one
.eml file in a mail directory, with X-Envelope-From / X-Envelope-To headers added.

    python -m notification.devsmtp --port 8025 --maildir .local/mail
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import os
import signal
import threading
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller


class MaildirHandler:
    """Stores the message, then (for slow-receiver tests) waits before answering 250."""

    def __init__(self, maildir: Path, reply_delay: float = 0.0) -> None:
        self.maildir = maildir
        self.reply_delay = reply_delay
        self.maildir.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd API
        head = (f"X-Envelope-From: {envelope.mail_from}\r\n"
                f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n").encode()
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        tmp = self.maildir / f".{name}.tmp"
        tmp.write_bytes(head + envelope.original_content)
        os.replace(tmp, self.maildir / name)  # readers never see half a message
        if self.reply_delay:
            await asyncio.sleep(self.reply_delay)
        return "250 Message accepted for delivery"


class DevSMTP:
    """aiosmtpd's Controller runs the server on its own thread and event loop."""

    def __init__(self, maildir: Path, host: str = "127.0.0.1", port: int = 8025,
                 reply_delay: float = 0.0) -> None:
        self.maildir = Path(maildir)
        self.handler = MaildirHandler(self.maildir, reply_delay)
        self.controller = Controller(self.handler, hostname=host, port=port)

    @property
    def port(self) -> int:
        return self.controller.port

    def start(self) -> DevSMTP:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> DevSMTP:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def messages(self) -> list[EmailMessage]:
        return read_mailbox(self.maildir)


def read_mailbox(maildir: Path) -> list[EmailMessage]:
    """Every stored message, oldest first."""
    paths = sorted(p for p in Path(maildir).glob("*.eml"))
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in paths]  # type: ignore[misc]


def main() -> None:
    parser = argparse.ArgumentParser(description="Development SMTP server writing .eml files.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BPS_SMTP_PORT", "8025")))
    parser.add_argument("--maildir", type=Path, default=Path(".local/mail"))
    parser.add_argument("--reply-delay", type=float, default=0.0,
                        help="seconds to wait after storing a message before answering 250")
    args = parser.parse_args()
    server = DevSMTP(args.maildir, args.host, args.port, args.reply_delay).start()
    print(f"dev SMTP on {args.host}:{server.port}, mails in {args.maildir}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
