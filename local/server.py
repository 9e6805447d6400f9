"""The local HTTP server: every request goes through the Gateway, as in API Gateway."""
from __future__ import annotations

import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from local.gateway import Gateway

MAX_REQUEST_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
LISTEN_BACKLOG = 1024  # connections the kernel queues before accept (socketserver's default of 5 reset the 20th)

log = logging.getLogger("stvos.local")


def make_server(gateway: Gateway, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "sTvOS-local"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_REQUEST_BYTES:
                while length > 0:  # drain, so that the client reads our answer instead of a broken pipe
                    length -= len(self.rfile.read(min(length, 1 << 16)) or b"x" * length)
                response = gateway.gateway_response("REQUEST_TOO_LARGE", message="Request Too Long")
            else:
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items()}
                response = gateway.handle(self.command, self.path, headers, body, self.client_address[0])
            self.send_response(response.status)
            for name, value in response.headers.items():
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

        def __getattr__(self, name: str) -> object:
            if name.startswith("do_"):  # every method reaches the gateway, as in API Gateway (TRACE too)
                return self._serve
            raise AttributeError(name)

        def log_message(self, fmt: str, *args: object) -> None:
            log.info("%s %s", self.address_string(), fmt % args)

    return LocalHTTPServer((host, port), Handler)


class LocalHTTPServer(ThreadingHTTPServer):
    """A thread per connection (keep-alive connections hold theirs), a deep accept queue."""
    request_queue_size = LISTEN_BACKLOG
    daemon_threads = True
    block_on_close = False
