"""A real HTTP server on loopback that receives our callbacks the way a producer would:
it verifies each signature with the standardwebhooks library and answers as scripted."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    webhook_id: str
    verified: bool
    status: int
    body: dict


@dataclass
class Receiver:
    secret: str
    script: list[int] = field(default_factory=list)  # statuses to answer, then 200s
    delays: list[float] = field(default_factory=list)  # seconds to wait before answering
    retry_after: str = ""  # a Retry-After header to send with every answer
    endless_body: bool = False  # announce a 10 GB answer, send a little, then stall
    received: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)  # a request came in
    url: str = ""

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    Webhook(receiver.secret).verify(raw, headers)
                    verified = True
                except WebhookVerificationError:
                    verified = False
                status = receiver.script.pop(0) if receiver.script else 200
                receiver.received.append(
                    Received(headers.get("webhook-id", ""), verified, status, json.loads(raw))
                )
                receiver.arrived.set()
                if receiver.delays:
                    time.sleep(receiver.delays.pop(0))
                self.send_response(status)
                if receiver.retry_after:
                    self.send_header("Retry-After", receiver.retry_after)
                if receiver.endless_body:
                    self.send_header("Content-Length", str(10 * 2**30))
                self.end_headers()
                if receiver.endless_body:
                    self.wfile.write(b"x" * 65536)
                    self.wfile.flush()
                    time.sleep(5)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/hooks/reviewqueue"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
