"""Start the whole local API in-process: DynamoDB (moto server, or DYNAMODB_ENDPOINT), the table from the
template, the demo seed, and the HTTP server. Used by `make run` and by the end-to-end tests."""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from local.template import ROOT
from shared.paths import API

# Development values only: AWS reads the real ones from Secrets Manager (the functions' *_SECRET_ARN).
DEV_ENVIRONMENT = {
    "ENVIRONMENT": "development",
    "TABLE_NAME": "stvos-local",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "JWT_SIGNING_KEY": "dev-only-jwt-signing-key-change-me-0123456789abcdef0123456789",
    "LIVEKIT_URL": "ws://127.0.0.1:7880",
    "LIVEKIT_API_KEY": "devkey",
    "LIVEKIT_API_SECRET": "dev-only-livekit-secret-0123456789abcdef0123456789",
    "HUME_API_KEY": "dev-hume-api-key",
    "HUME_SECRET_KEY": "dev-hume-secret-key",
    "AGENT_WORKER_SECRET": "dev-only-agent-worker-secret-0123456789abcdef0123",
    "VIDEO_SIGNING_KEY": "dev-only-video-signing-key-0123456789abcdef0123456789",
    "EXPORTS_BUCKET": "stvos-exports-local",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_DEV": "false",
}
# The demo of this checkout's `make run` (keys, ids, its address, its DynamoDB, its pid). LOCAL_DEMO_FILE moves it.
DEMO_FILE = Path(os.environ.get("LOCAL_DEMO_FILE") or ROOT / ".local" / "demo.json")


def answers(url: str, timeout: float = 1.0) -> bool:
    """Whether something accepts TCP connections at the host and port of `url`."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if not parts.hostname:
        return False
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def running_demo(demo_file: Path = DEMO_FILE) -> dict[str, Any] | None:
    """The demo of the local API this demo file belongs to, when that API is still running (its process alive
    and its port answering); None when there is none (never started, stopped, or crashed)."""
    try:
        demo = json.loads(demo_file.read_text(encoding="utf-8"))
        pid = int(demo["pid"])
        os.kill(pid, 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return demo if answers(str(demo.get("baseUrl", ""))) else None


class LocalStack:
    def __init__(self, host: str = "127.0.0.1", port: int = 3000, *, seed: bool = True,
                 environment: dict[str, str] | None = None, demo_file: Path | None = DEMO_FILE) -> None:
        self.host, self.port, self.seed = host, port, seed
        self.environment = environment or {}
        self.demo_file = demo_file
        self.moto: Any = None
        self.server: Any = None
        self.demo: dict[str, Any] = {}
        self.endpoint = ""

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "LocalStack":
        for name, value in DEV_ENVIRONMENT.items():
            os.environ.setdefault(name, value)
        os.environ.update(self.environment)
        from local.dynamo import create_table, start_moto

        self.endpoint = os.environ.get("DYNAMODB_ENDPOINT", "")
        if not self.endpoint:
            fixed_port = os.environ.get("DYNAMODB_PORT")
            self.moto, self.endpoint = start_moto(int(fixed_port) if fixed_port else None,
                                                  os.environ.get("DYNAMODB_HOST", "127.0.0.1"))
            os.environ["DYNAMODB_ENDPOINT"] = self.endpoint
            os.environ.setdefault("S3_ENDPOINT", self.endpoint)  # moto's server speaks S3 as well
            self._owns_endpoint = True
        else:
            self._owns_endpoint = False
        from shared.db.repository import get_repository
        from shared.settings import get_settings, reset_caches

        reset_caches()
        get_repository.cache_clear()
        repo = get_repository()
        from local.iam import enforce

        enforce(repo.client)  # each function may call only what its template policies grant
        create_table(repo.client, get_settings().table_name)
        _create_exports_bucket()
        self.demo = self._seed_once() if self.seed else {}

        from local.gateway import Gateway
        from local.server import make_server

        self.server = make_server(Gateway(), self.host, self.port)
        self.port = self.server.server_address[1]
        self.demo["baseUrl"] = f"{self.base_url}{API}"
        self.demo["dynamodb"] = {"endpoint": self.endpoint, "table": get_settings().table_name}
        self.demo["pid"] = os.getpid()
        if self.demo_file and self.demo:
            self.demo_file.parent.mkdir(parents=True, exist_ok=True)
            self.demo_file.write_text(json.dumps(self.demo, indent=2) + "\n", encoding="utf-8")
        threading.Thread(target=self.server.serve_forever, name="stvos-local", daemon=True).start()
        return self

    def _seed_once(self) -> dict[str, Any]:
        from shared.db import keys
        from shared.db.repository import get_repository

        if get_repository().get(keys.platform_settings()) is not None:
            if self.demo_file and self.demo_file.exists():
                return json.loads(self.demo_file.read_text(encoding="utf-8"))
            return {"note": "the table was seeded earlier; its keys were printed then"}
        from local.seed import seed

        return seed()

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
        if self.moto:
            self.moto.stop()
        if getattr(self, "_owns_endpoint", False):
            os.environ.pop("DYNAMODB_ENDPOINT", None)
            if os.environ.get("S3_ENDPOINT") == self.endpoint:
                os.environ.pop("S3_ENDPOINT", None)


def _create_exports_bucket() -> None:
    """The export jobs' bucket on the embedded S3 (template.yaml's ExportsBucket in AWS)."""
    from shared.domain import partner_exports
    from shared.settings import get_settings

    partner_exports.forget_client()
    settings = get_settings()
    if not (settings.s3_endpoint and settings.exports_bucket):
        return
    client = partner_exports.s3_client()
    try:
        client.create_bucket(Bucket=settings.exports_bucket)
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass
