"""DynamoDB for the local API: moto's server on a free loopback port, the table made from template.yaml."""
from __future__ import annotations

import logging
import socket
from typing import Any

from local.template import api_definition


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def start_moto(port: int | None = None, host: str = "127.0.0.1") -> tuple[Any, str]:
    """Start moto in server mode (the real DynamoDB wire protocol) and return (server, endpoint).

    `host` 0.0.0.0 makes it reachable from `sam local` containers (DYNAMODB_HOST / DYNAMODB_PORT)."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = port or free_port()
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    server._server.app = _one_at_a_time(server._server.app)  # werkzeug reads .app per request
    return server, f"http://127.0.0.1:{port}"


def _one_at_a_time(app: Any) -> Any:
    """Serve one DynamoDB call at a time. DynamoDB applies each call atomically; moto's threaded server does
    not (a transaction snapshots and restores whole tables, a conditional put checks then writes), so
    concurrent requests could see or leave half-done writes. One lock makes every call atomic, as in AWS."""
    import threading

    lock = threading.Lock()

    def serialized(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        with lock:
            return list(app(environ, start_response))

    return serialized


def create_table(client: Any, table_name: str) -> bool:
    """Create the table as the template defines it (keys, GSIs, TTL). False when it already exists."""
    props = api_definition().table
    if table_name in client.list_tables().get("TableNames", []):
        return False
    params: dict[str, Any] = {
        "TableName": table_name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if props.get("GlobalSecondaryIndexes"):
        params["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    client.create_table(**params)
    client.get_waiter("table_exists").wait(TableName=table_name)
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        client.update_time_to_live(TableName=table_name, TimeToLiveSpecification={
            "AttributeName": ttl["AttributeName"], "Enabled": True})
    return True
