import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from notification.app import build_app
from notification.config import NotificationSettings
from notification.devsmtp import DevSMTP
from testkit.harness.service import running_service, test_settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Small retry and rate figures so tests finish in seconds.
FAST = dict(worker_poll_seconds=0.05, retry_base_seconds=0.05, retry_cap_seconds=0.2,
            max_attempts=4, consumer_retry_backoff_seconds=0.01, send_timeout_seconds=5.0,
            stuck_after_seconds=10.0)


@pytest.fixture
def smtp(tmp_path):
    with DevSMTP(tmp_path / "mail", port=free_port()) as server:
        yield server


@pytest.fixture
async def settings(smtp):
    return await test_settings(NotificationSettings, smtp_port=smtp.port, **FAST)


@pytest.fixture
async def service(settings):
    async with running_service(build_app, settings) as svc:
        yield svc


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    answered: int


@dataclass
class WebhookReceiver:
    """A real HTTP server on loopback. `failures` requests get 503 first; `delay` seconds pass
    between reading a request and answering it."""

    failures: int = 0
    always_fail: bool = False
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)

    def start(self) -> "WebhookReceiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                fail = receiver.always_fail or receiver.failures > 0
                if receiver.failures > 0:
                    receiver.failures -= 1
                status = 503 if fail else 200
                receiver.requests.append(Received(dict(self.headers), body, status))
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def accepted(self) -> list[Received]:
        return [r for r in self.requests if r.answered == 200]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = WebhookReceiver().start()
    yield r
    r.stop()


def payload(received: Received) -> dict:
    return json.loads(received.body)
