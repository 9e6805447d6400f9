"""The DynamoDB repository: one low-level client, typed items in and out, errors mapped once.

Items are plain dicts of str/int/float/bool/list/dict/None. Failed conditions raise `ConditionFailed`
(with the old item when DynamoDB returns it) or `TransactionFailed` (with one reason per action); throttling
and service errors that outlast botocore's retries become 503 `SERVICE_UNAVAILABLE`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from typing import Any, Callable, Iterator

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from shared import metrics
from shared.errors import AppError, service_unavailable
from shared.settings import get_settings

Item = dict[str, Any]

_RETRYABLE = {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
              "InternalServerError", "ServiceUnavailable", "LimitExceededException"}


class ConditionFailed(Exception):
    """`old_item`: the item that failed the condition; `retried`: the SDK had sent this write before (a first
    attempt may have landed, its answer lost)."""

    def __init__(self, old_item: Item | None = None, retried: bool = False) -> None:
        super().__init__("condition failed")
        self.old_item = old_item
        self.retried = retried


class TransactionConflict(AppError):
    """Another transaction was writing the same items: worth retrying at once (the other one has committed).
    Unhandled, it is a 503 like any other unavailability."""

    def __init__(self) -> None:
        super().__init__("SERVICE_UNAVAILABLE", "The service is busy; try again shortly", headers={"Retry-After": "1"})


class TransactionFailed(Exception):
    """`reasons[i]` is DynamoDB's code for action i ("None" when that action was fine)."""

    def __init__(self, reasons: list[str], old_items: list[Item | None]) -> None:
        super().__init__(f"transaction cancelled: {reasons}")
        self.reasons = reasons
        self.old_items = old_items


def _wire_value(value: Any) -> dict[str, Any]:
    """One Python value as DynamoDB JSON. (boto3's TypeSerializer does the same, but importing boto3 costs
    the authorizer ~50 ms of cold start through s3transfer; botocore alone is enough.)"""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float, Decimal)):
        return {"N": str(Decimal(str(value)) if isinstance(value, float) else value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (bytes, bytearray)):
        return {"B": bytes(value)}
    if isinstance(value, dict):
        return {"M": {str(k): _wire_value(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"L": [_wire_value(v) for v in value]}
    if isinstance(value, (set, frozenset)) and all(isinstance(v, str) for v in value):
        return {"SS": sorted(value)}
    raise TypeError(f"cannot store {type(value).__name__} in DynamoDB")


def _number(text: str) -> int | float:
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() else float(number)


def _python_value(wire: dict[str, Any]) -> Any:
    (kind, value), = wire.items()
    if kind == "S":
        return value
    if kind == "N":
        return _number(value)
    if kind == "BOOL":
        return bool(value)
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: _python_value(v) for k, v in value.items()}
    if kind == "L":
        return [_python_value(v) for v in value]
    if kind == "SS":
        return list(value)
    if kind == "NS":
        return [_number(v) for v in value]
    return value  # B, BS


def serialize(item: Item) -> dict[str, Any]:
    return {k: _wire_value(v) for k, v in item.items()}


def deserialize(raw: dict[str, Any]) -> Item:
    return {k: _python_value(v) for k, v in raw.items()}


@dataclass
class Usage:
    """DynamoDB round trips and capacity, counted for benchmarks."""
    calls: int = 0
    items_read: int = 0
    read_units: float = 0.0
    write_units: float = 0.0
    by_operation: dict[str, int] = field(default_factory=dict)


class Repository:
    def __init__(self, table_name: str, client: Any) -> None:
        self.table = table_name
        self.client = client
        self.usage = Usage()

    # --- plumbing ---------------------------------------------------------------------------------------
    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        params.setdefault("ReturnConsumedCapacity", "TOTAL")
        try:
            response: dict[str, Any] = getattr(self.client, operation)(**params)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in _RETRYABLE:
                raise service_unavailable(2) from error
            raise
        except BotoCoreError as error:  # connection refused, timeouts
            raise service_unavailable(2) from error
        self._count(operation, response)
        return response

    def _count(self, operation: str, response: dict[str, Any]) -> None:
        usage = self.usage
        usage.calls += 1
        usage.by_operation[operation] = usage.by_operation.get(operation, 0) + 1
        if "Item" in response:
            usage.items_read += 1
        usage.items_read += len(response.get("Items", ()))
        for table_items in response.get("Responses", {}).values() if isinstance(response.get("Responses"), dict) else ():
            usage.items_read += len(table_items)
        capacity = response.get("ConsumedCapacity")
        for entry in capacity if isinstance(capacity, list) else ([capacity] if capacity else []):
            usage.read_units += float(entry.get("ReadCapacityUnits", 0) or 0)
            usage.write_units += float(entry.get("WriteCapacityUnits", 0) or 0)
            if not entry.get("ReadCapacityUnits") and not entry.get("WriteCapacityUnits"):
                units = float(entry.get("CapacityUnits", 0) or 0)
                if operation in ("get_item", "query", "batch_get_item", "transact_get_items"):
                    usage.read_units += units
                else:
                    usage.write_units += units

    # --- reads ------------------------------------------------------------------------------------------
    def get(self, key: dict[str, str], *, consistent: bool = False) -> Item | None:
        response = self._call("get_item", TableName=self.table, Key=serialize(key), ConsistentRead=consistent)
        return deserialize(response["Item"]) if "Item" in response else None

    def get_many(self, keys: list[dict[str, str]]) -> list[Item]:
        """BatchGetItem in chunks of 100, retrying unprocessed keys; order is not kept."""
        found: list[Item] = []
        for start in range(0, len(keys), 100):
            pending: dict[str, Any] = {self.table: {"Keys": [serialize(k) for k in keys[start:start + 100]]}}
            while pending:
                response = self._call("batch_get_item", RequestItems=pending)
                found += [deserialize(raw) for raw in response["Responses"].get(self.table, [])]
                pending = response.get("UnprocessedKeys") or {}
        return found

    def query(self, pk: str, *, sk_prefix: str | None = None, sk_between: tuple[str, str] | None = None,
              index: str | None = None, forward: bool = True, limit: int | None = None,
              consistent: bool = False, filter_expression: str | None = None,
              values: dict[str, Any] | None = None, names: dict[str, str] | None = None) -> list[Item]:
        """All items of one partition (optionally one SK prefix or range), following pages up to `limit`."""
        return list(self.iterate(pk, sk_prefix=sk_prefix, sk_between=sk_between, index=index, forward=forward,
                                 limit=limit, consistent=consistent, filter_expression=filter_expression,
                                 values=values, names=names))

    def query_page(self, pk: str, *, limit: int, sk_prefix: str | None = None,
                   sk_between: tuple[str, str] | None = None, forward: bool = True,
                   after: str | None = None) -> tuple[list[Item], str | None]:
        """One Query call of the table: at most `limit` items from after the sort key `after`, and the sort key
        to continue from (None when the partition or range is exhausted). Its reads are bounded by `limit`."""
        params = self._query_params(pk, sk_prefix=sk_prefix, sk_between=sk_between, index=None, forward=forward,
                                    consistent=False, filter_expression=None, values=None, names=None)
        params["Limit"] = limit
        if after is not None:
            params["ExclusiveStartKey"] = serialize({"PK": pk, "SK": after})
        response = self._call("query", **params)
        last = response.get("LastEvaluatedKey")
        return [deserialize(raw) for raw in response.get("Items", [])], deserialize(last)["SK"] if last else None

    def _query_params(self, pk: str, *, sk_prefix: str | None, sk_between: tuple[str, str] | None,
                      index: str | None, forward: bool, consistent: bool, filter_expression: str | None,
                      values: dict[str, Any] | None, names: dict[str, str] | None) -> dict[str, Any]:
        pk_name, sk_name = (f"{index}PK", f"{index}SK") if index else ("PK", "SK")  # GSI1 -> GSI1PK/GSI1SK
        all_names = {"#pk": pk_name, **(names or {})}
        all_values: dict[str, Any] = {":pk": pk, **(values or {})}
        condition = "#pk = :pk"
        if sk_prefix is not None:
            all_names["#sk"] = sk_name
            all_values[":prefix"] = sk_prefix
            condition += " AND begins_with(#sk, :prefix)"
        elif sk_between is not None:
            all_names["#sk"] = sk_name
            all_values[":lo"], all_values[":hi"] = sk_between
            condition += " AND #sk BETWEEN :lo AND :hi"
        params: dict[str, Any] = {
            "TableName": self.table, "KeyConditionExpression": condition,
            "ExpressionAttributeNames": all_names, "ExpressionAttributeValues": serialize(all_values),
            "ScanIndexForward": forward,
        }
        if index:
            params["IndexName"] = index
        elif consistent:
            params["ConsistentRead"] = True
        if filter_expression:
            params["FilterExpression"] = filter_expression
        return params

    def iterate(self, pk: str, *, sk_prefix: str | None = None, sk_between: tuple[str, str] | None = None,
                index: str | None = None, forward: bool = True, limit: int | None = None,
                consistent: bool = False, filter_expression: str | None = None,
                values: dict[str, Any] | None = None, names: dict[str, str] | None = None,
                page_size: int | None = None) -> Iterator[Item]:
        """Items one page at a time. Without a filter `limit` bounds what DynamoDB reads. With a filter (ours or
        the caller's own, in Python), `page_size` is the first request's Limit (which counts items read, not
        matched), doubled on each next request: a filter that matches often reads little more than it keeps, one
        that matches rarely soon reads whole 1 MB pages instead of many small ones."""
        params = self._query_params(pk, sk_prefix=sk_prefix, sk_between=sk_between, index=index, forward=forward,
                                    consistent=consistent, filter_expression=filter_expression, values=values,
                                    names=names)
        returned = 0
        while True:
            if limit is not None and not filter_expression:
                params["Limit"] = limit - returned
            elif page_size is not None:
                params["Limit"] = page_size
                page_size *= 2
            response = self._call("query", **params)
            for raw in response.get("Items", []):
                yield deserialize(raw)
                returned += 1
                if limit is not None and returned >= limit:
                    return
            if "LastEvaluatedKey" not in response:
                return
            params["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    # --- writes -----------------------------------------------------------------------------------------
    def put(self, item: Item, *, condition: str | None = None, names: dict[str, str] | None = None,
            values: dict[str, Any] | None = None) -> None:
        """Put; a failed condition raises `ConditionFailed`, unless the SDK had retried this put and the item found
        is exactly this one: then its first attempt landed and only the answer was lost (a timeout). A first
        attempt that fails its condition is a real conflict, even against an identical item (two callers
        claiming one key with the same record)."""
        params: dict[str, Any] = {"TableName": self.table, "Item": serialize(item)}
        try:
            self._conditional("put_item", params, condition, names, values)
        except ConditionFailed as failed:
            if not failed.retried or failed.old_item is None or serialize(failed.old_item) != params["Item"]:
                raise

    def put_many(self, items: list[Item]) -> None:
        """BatchWriteItem in chunks of 25, retrying unprocessed items: unconditional puts, not all or nothing
        (bulk imports and rebuilt projections, which are safe to write again)."""
        for start in range(0, len(items), 25):
            pending: dict[str, Any] = {self.table: [{"PutRequest": {"Item": serialize(i)}}
                                                    for i in items[start:start + 25]]}
            while pending:
                pending = self._call("batch_write_item", RequestItems=pending).get("UnprocessedItems") or {}

    def update(self, key: dict[str, str], expression: str, *, condition: str | None = None,
               names: dict[str, str] | None = None, values: dict[str, Any] | None = None,
               return_values: str = "ALL_NEW") -> Item:
        params: dict[str, Any] = {"TableName": self.table, "Key": serialize(key), "UpdateExpression": expression,
                                  "ReturnValues": return_values}
        response = self._conditional("update_item", params, condition, names, values)
        return deserialize(response.get("Attributes", {}))

    def delete(self, key: dict[str, str], *, condition: str | None = None, names: dict[str, str] | None = None,
               values: dict[str, Any] | None = None, return_old: bool = False) -> Item:
        """Delete; with `return_old`, the item as it was (an empty dict when there was none)."""
        params: dict[str, Any] = {"TableName": self.table, "Key": serialize(key)}
        if return_old:
            params["ReturnValues"] = "ALL_OLD"
        response = self._conditional("delete_item", params, condition, names, values)
        return deserialize(response.get("Attributes", {}))

    def _conditional(self, operation: str, params: dict[str, Any], condition: str | None,
                     names: dict[str, str] | None, values: dict[str, Any] | None) -> dict[str, Any]:
        if condition:
            params["ConditionExpression"] = condition
            params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        if names:
            params["ExpressionAttributeNames"] = names
        if values:
            params["ExpressionAttributeValues"] = serialize(values)
        try:
            return self._call(operation, **params)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                raw = error.response.get("Item")
                retried = int(error.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)) > 0
                raise ConditionFailed(deserialize(raw) if raw else None, retried) from None
            raise

    def next_id(self, name: str) -> int:
        """A globally unique, increasing integer id (coaches, categories, classes)."""
        from shared.db import keys

        item = self.update(keys.counter(name), "ADD #v :one", names={"#v": "value"}, values={":one": 1},
                           return_values="UPDATED_NEW")
        return int(item["value"])

    def transact(self, actions: list["Action"]) -> None:
        """All or nothing. Raises `TransactionFailed` with DynamoDB's reason per action."""
        try:
            self._call("transact_write_items", TransactItems=[a.wire(self.table) for a in actions])
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons", [])
            codes = [r.get("Code", "None") for r in reasons]
            if "ConditionalCheckFailed" not in codes:
                if "TransactionConflict" in codes:
                    metrics.record(metrics.TRANSACTION_CONFLICTS)
                    raise TransactionConflict() from error
                if any(c in ("ThrottlingError", "ProvisionedThroughputExceeded") for c in codes):
                    raise service_unavailable(2) from error
            olds = [deserialize(r["Item"]) if r.get("Item") else None for r in reasons]
            raise TransactionFailed(codes, olds) from None


@dataclass
class Action:
    """One action of a TransactWriteItems call; `failure` names what its condition failing means to the caller
    (the domain maps it to an error), so a cancelled transaction is read action by action, not by position."""
    kind: str  # Put | Update | Delete | ConditionCheck
    key_or_item: Item
    expression: str | None = None
    condition: str | None = None
    names: dict[str, str] | None = None
    values: dict[str, Any] | None = None
    failure: str = ""

    def failing_as(self, failure: str) -> "Action":
        """This action, its failed condition meaning `failure`."""
        return replace(self, failure=failure)

    @classmethod
    def put(cls, item: Item, condition: str | None = None, **kw: Any) -> "Action":
        return cls("Put", item, condition=condition, **kw)

    @classmethod
    def update(cls, key: dict[str, str], expression: str, condition: str | None = None, **kw: Any) -> "Action":
        return cls("Update", key, expression=expression, condition=condition, **kw)

    @classmethod
    def delete(cls, key: dict[str, str], condition: str | None = None, **kw: Any) -> "Action":
        return cls("Delete", key, condition=condition, **kw)

    @classmethod
    def check(cls, key: dict[str, str], condition: str, **kw: Any) -> "Action":
        return cls("ConditionCheck", key, condition=condition, **kw)

    def wire(self, table: str) -> dict[str, Any]:
        body: dict[str, Any] = {"TableName": table}
        body["Item" if self.kind == "Put" else "Key"] = serialize(self.key_or_item)
        if self.expression:
            body["UpdateExpression"] = self.expression
        if self.condition:
            body["ConditionExpression"] = self.condition
            body["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        if self.names:
            body["ExpressionAttributeNames"] = self.names
        if self.values:
            body["ExpressionAttributeValues"] = serialize(self.values)
        return {self.kind: body}


# An action to run in the same transaction as the write of a record, made from that record (an audit entry)
RecordAction = Callable[[Item], Action]


def make_client(endpoint: str | None = None, region: str | None = None) -> Any:
    settings = get_settings()
    config = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=2, read_timeout=5,
                    max_pool_connections=32)
    return botocore.session.get_session().create_client(
        "dynamodb", region_name=region or settings.region, endpoint_url=endpoint or settings.dynamodb_endpoint,
        config=config)


@lru_cache(maxsize=1)
def get_repository() -> Repository:
    settings = get_settings()
    return Repository(settings.table_name, make_client())
