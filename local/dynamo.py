"""DynamoDB for the local API: moto's server on a free loopback port, the table made from template.yaml."""
from __future__ import annotations

import json
import logging
import os
import socket
from typing import Any

from local.template import ROOT, api_definition


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def start_moto(port: int | None = None, host: str = "127.0.0.1") -> tuple["MotoProcess", str]:
    """Start moto in server mode (the real DynamoDB wire protocol) in a child process; (server, endpoint).

    A process of its own: moto's work then runs beside the API's instead of sharing one interpreter lock
    with it (about half the CPU of a request is moto's). `host` 0.0.0.0 makes it reachable from `sam local`
    containers (DYNAMODB_HOST / DYNAMODB_PORT)."""
    server = MotoProcess(port or free_port(), host)
    return server, f"http://127.0.0.1:{server.port}"


class MotoProcess:
    """`python -m local.dynamo PORT HOST` as a child; it stops when `stop()` closes its stdin (or we die)."""

    def __init__(self, port: int, host: str) -> None:
        import subprocess
        import sys

        self.port = port
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen([sys.executable, "-m", "local.dynamo", str(port), host], cwd=ROOT, env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = self.process.stdout.readline() if self.process.stdout else ""
        if ready.strip() != "ready":
            self.process.kill()
            raise OSError(f"the embedded DynamoDB could not listen on {host}:{port}")

    def stop(self) -> None:
        import subprocess

        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def serve(port: int, host: str) -> None:
    """The child: moto's threaded server, one call at a time, until stdin closes."""
    import sys

    from moto.server import ThreadedMotoServer

    _journaled_transactions()
    _queries_read_their_partition()
    _plain_json_results()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    server._server.app = _one_at_a_time(_straight_to_dynamodb(server._server.app))  # werkzeug reads .app per request
    server._server.socket.listen(1024)  # many API threads may connect at once
    print("ready", flush=True)
    try:
        sys.stdin.read()
    finally:
        server.stop()


def _one_at_a_time(app: Any) -> Any:
    """Serve one DynamoDB call at a time. DynamoDB applies each call atomically; moto's threaded server does
    not (a transaction snapshots and restores whole tables, a conditional put checks then writes), so
    concurrent requests could see or leave half-done writes. One lock makes every call atomic, as in AWS.

    It also gives TransactWriteItems DynamoDB's idempotency, which moto lacks: a repeat of a successful call
    with the same ClientRequestToken within 10 minutes succeeds again without applying anything (what the
    SDK's retry after a timeout relies on)."""
    import io
    import threading
    import time

    lock = threading.Lock()
    done: dict[str, tuple[float, bytes, str, list[tuple[str, str]], list[bytes]]] = {}

    def serialized(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        token, body = "", b""
        if environ.get("HTTP_X_AMZ_TARGET", "").endswith(".TransactWriteItems"):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)
            token = str(json.loads(body or b"{}").get("ClientRequestToken") or "")
        with lock:
            now = time.monotonic()
            for stale in [t for t, seen in done.items() if seen[0] < now - 600]:
                del done[stale]
            if token in done and done[token][1] == body:
                _, _, status, headers, chunks = done[token]
                start_response(status, headers)
                return chunks
            answer: dict[str, Any] = {}

            def remember(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
                answer.update(status=status, headers=headers)
                return start_response(status, headers, *rest)

            chunks = list(app(environ, remember))
            if token and str(answer.get("status", "")).startswith("200"):
                done[token] = (now, body, answer["status"], answer["headers"], chunks)
            return chunks

    return serialized


DYNAMODB_TARGET = "DynamoDB_20120810."
JSON_CONTENT_TYPE = "application/x-amz-json-1.0"


def _straight_to_dynamodb(app: Any) -> Any:
    """Hand DynamoDB calls to moto's DynamoDB handler directly. moto's server first finds the service from the
    request's host and headers, then routes through a Flask app to the same handler; for the one service the
    local API uses that is about a third of the CPU of a call. Anything else goes the usual way."""
    from moto.core.request import Request
    from moto.dynamodb.responses import DynamoHandler
    from werkzeug.wrappers import Response

    def direct(environ: dict[str, Any], start_response: Any) -> Any:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith(DYNAMODB_TARGET):
            return app(environ, start_response)
        request = Request(environ)
        status, headers, body = DynamoHandler.dispatch(request, request.raw_url, dict(request.headers))
        return Response(response=body, status=status, headers=headers)(environ, start_response)

    return direct


def _plain_json_results() -> None:
    """moto serializes every DynamoDB answer by walking the service model's shapes, about a fifth of the CPU of a
    call. An item operation's result is already DynamoDB's JSON (attribute values as the wire spells them), so
    it is written as it is, limited to the operation's output fields as moto's serializer limits it; a result
    holding anything JSON cannot say as it is (a table description's timestamps, binary values) goes through
    moto's serializer. tests/integration/test_local_dynamodb.py holds both to the same answers."""
    import json

    from moto.core.responses import get_service_model
    from moto.dynamodb.responses import DynamoHandler

    moto_serialized = DynamoHandler.serialized
    members: dict[str, frozenset[str]] = {}  # each operation's output fields: moto's serializer drops the rest

    def serialized(self: Any, action_result: Any) -> Any:
        result = action_result.result
        if not isinstance(result, dict):
            return moto_serialized(self, action_result)
        action = self._get_action()
        if action not in members:
            shape = get_service_model("dynamodb").operation_model(action).output_shape
            members[action] = frozenset(shape.members if shape is not None else ())
        try:
            body = json.dumps({k: v for k, v in result.items() if v is not None and k in members[action]},
                              separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError):
            return moto_serialized(self, action_result)
        return 200, {"Content-Type": JSON_CONTENT_TYPE, **self.response_headers}, body

    DynamoHandler.serialized = serialized  # type: ignore[method-assign]


def _journaled_transactions() -> None:
    """Roll a failed TransactWriteItems back item by item instead of table by table.

    moto backs a transaction up by deep-copying every table it touches (once per action), so a transaction costs
    as much as the whole table: seconds once a long test run or a 100,000-voucher client has filled it. Here the
    "copy" of a table is the table itself, and the items the transaction names are saved before it runs and put
    back if it is cancelled: the same all-or-nothing outcome at the cost of the items written. Safe because calls
    run one at a time (`_one_at_a_time`), so the module's `copy` may be swapped for one transaction."""
    import copy

    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    class _TablesStayPut:
        def deepcopy(self, value: Any, *args: Any) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, *args)

        def __getattr__(self, name: str) -> Any:
            return getattr(copy, name)

    original = models.DynamoDBBackend.transact_write_items

    def saved_items(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[Any, Any, Any, Any]]:
        saved = []
        for action in transact_items:
            for op in action.values():
                table = backend.tables.get(op.get("TableName"))
                if table is None:
                    continue
                key = op["Item"] if "Item" in op else op.get("Key", {})
                if table.hash_key_attr not in key or (table.range_key_attr and table.range_key_attr not in key):
                    continue  # moto refuses the action itself
                hash_value = DynamoType(key[table.hash_key_attr])
                range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
                before = table.get_item(hash_value, range_value)
                saved.append((table, hash_value, range_value, copy.deepcopy(before)))
        return saved

    def restore(saved: list[tuple[Any, Any, Any, Any]]) -> None:
        for table, hash_value, range_value, before in reversed(saved):
            if range_value is None:
                table.items.pop(hash_value, None)
                if before is not None:
                    table.items[hash_value] = before
                continue
            table.items[hash_value].pop(range_value, None)
            if before is not None:
                table.items[hash_value][range_value] = before

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = saved_items(self, transact_items)
        models.copy = _TablesStayPut()  # type: ignore[assignment]
        try:
            return original(self, transact_items)
        except Exception:
            restore(saved)
            raise
        finally:
            models.copy = copy

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _queries_read_their_partition() -> None:
    """moto answers every Query by sorting the whole table and then keeping the asked partition's items: each
    Query costs the table's size times its logarithm (0.1-0.3 s once a test run has filled it). Here a table
    Query starts from its partition, and an index Query from the table's items unsorted (moto sorts what it
    keeps by the index's keys and the table's keys anyway), so the answers, their order and their pages are
    moto's own. Safe because calls run one at a time (`_one_at_a_time`)."""
    from moto.dynamodb.models.table import Table

    original = Table.query

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if not self.range_key_attr:
            return original(self, hash_key, *args, **kwargs)
        if index_name:
            candidates = [item for partition in self.items.values() for item in partition.values()]
        else:
            candidates = list(self.items[hash_key].values()) if hash_key in self.items else []
        self.all_items = lambda: candidates  # shadows the method for this one call
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    Table.query = query  # type: ignore[method-assign]


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


if __name__ == "__main__":
    import sys

    serve(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1")
