"""The embedded DynamoDB (local/dynamo.py) answers as DynamoDB does where it takes shortcuts through moto: a cancelled
transaction, rolled back item by item, leaves every item it named as it was; a Query, read from its partition (or
an index's items) instead of the sorted table, gives the same items in the same order and pages."""
from __future__ import annotations

from typing import Any, Iterator

import boto3
import pytest

from local.dynamo import start_moto

TABLE = "embedded-check"


@pytest.fixture(scope="module")
def dynamodb() -> Iterator[Any]:
    server, endpoint = start_moto()
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"},
                                   {"AttributeName": "SK", "KeyType": "RANGE"}],
                        AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"}
                                              for name in ("PK", "SK", "GSI1PK", "GSI1SK")],
                        GlobalSecondaryIndexes=[{"IndexName": "GSI1", "Projection": {"ProjectionType": "ALL"},
                                                 "KeySchema": [{"AttributeName": "GSI1PK", "KeyType": "HASH"},
                                                               {"AttributeName": "GSI1SK", "KeyType": "RANGE"}]}])
    yield client
    server.stop()


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def _all(client: Any, pk: str) -> list[dict[str, Any]]:
    return client.query(TableName=TABLE, KeyConditionExpression="PK = :p",
                        ExpressionAttributeValues={":p": {"S": pk}})["Items"]


def test_given_a_transaction_whose_last_condition_fails_then_every_item_it_named_is_as_before(dynamodb):
    # Given a partition with a counter, an item to delete and a bystander
    for sk, value in (("COUNTER", "1"), ("DOOMED", "keep me"), ("BYSTANDER", "untouched")):
        dynamodb.put_item(TableName=TABLE, Item={**_key("P1", sk), "v": {"S": value}})
    before = _all(dynamodb, "P1")

    # When a transaction puts a new item, updates the counter, deletes one item and then fails a condition
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException) as cancelled:
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {**_key("P1", "NEW"), "v": {"S": "new"}}}},
            {"Update": {"TableName": TABLE, "Key": _key("P1", "COUNTER"), "UpdateExpression": "SET v = :v",
                        "ExpressionAttributeValues": {":v": {"S": "2"}}}},
            {"Delete": {"TableName": TABLE, "Key": _key("P1", "DOOMED")}},
            {"ConditionCheck": {"TableName": TABLE, "Key": _key("P1", "BYSTANDER"),
                                "ConditionExpression": "v = :other", "ExpressionAttributeValues": {":other": {"S": "x"}}}},
        ])

    # Then DynamoDB's reasons name the failed action, and the partition is exactly as it was
    reasons = [reason["Code"] for reason in cancelled.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "None", "ConditionalCheckFailed"]
    assert _all(dynamodb, "P1") == before


def test_given_a_transaction_that_passes_then_every_action_applies(dynamodb):
    dynamodb.put_item(TableName=TABLE, Item={**_key("P2", "COUNTER"), "n": {"N": "1"}})
    dynamodb.put_item(TableName=TABLE, Item={**_key("P2", "OLD"), "v": {"S": "old"}})

    dynamodb.transact_write_items(TransactItems=[
        {"Put": {"TableName": TABLE, "Item": {**_key("P2", "NEW"), "v": {"S": "new"}},
                 "ConditionExpression": "attribute_not_exists(PK)"}},
        {"Update": {"TableName": TABLE, "Key": _key("P2", "COUNTER"), "UpdateExpression": "ADD n :one",
                    "ConditionExpression": "n = :n", "ExpressionAttributeValues": {":one": {"N": "1"}, ":n": {"N": "1"}}}},
        {"Delete": {"TableName": TABLE, "Key": _key("P2", "OLD")}},
    ])

    assert {item["SK"]["S"]: item for item in _all(dynamodb, "P2")} == {
        "COUNTER": {**_key("P2", "COUNTER"), "n": {"N": "2"}},
        "NEW": {**_key("P2", "NEW"), "v": {"S": "new"}},
    }


def test_given_a_cancelled_update_of_a_new_item_then_the_item_does_not_appear(dynamodb):
    # An Update of a missing item creates it in DynamoDB; when the transaction is cancelled it must not exist
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(TransactItems=[
            {"Update": {"TableName": TABLE, "Key": _key("P3", "MADE"), "UpdateExpression": "SET v = :v",
                        "ExpressionAttributeValues": {":v": {"S": "made"}}}},
            {"Put": {"TableName": TABLE, "Item": {**_key("P3", "GUARD"), "v": {"S": "g"}},
                     "ConditionExpression": "attribute_exists(PK)"}},
        ])
    assert _all(dynamodb, "P3") == []


def _pages(client: Any, **query: Any) -> list[list[str]]:
    pages, start = [], None
    while True:
        page = client.query(TableName=TABLE, Limit=3, **query, **({"ExclusiveStartKey": start} if start else {}))
        pages.append([item["SK"]["S"] for item in page["Items"]])
        start = page.get("LastEvaluatedKey")
        if not start:
            return pages


def test_given_partitions_and_an_index_then_queries_page_through_their_own_items_in_key_order(dynamodb):
    # Given two partitions written out of order, and index entries spread over both (one item not indexed)
    for pk in ("Q1", "Q2"):
        for n in (5, 1, 4, 2, 3, 6, 0):
            item = {**_key(pk, f"ITEM#{n}"), "n": {"N": str(n)}}
            if n:
                item.update(GSI1PK={"S": "BOARD"}, GSI1SK={"S": f"{n % 3}#{pk}"})
            dynamodb.put_item(TableName=TABLE, Item=item)

    # When a partition is read forwards, backwards and with a key condition, three at a time
    # Then each gives only its own items, in key order, over whole pages
    assert _pages(dynamodb, KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": "Q1"}}) == [
        ["ITEM#0", "ITEM#1", "ITEM#2"], ["ITEM#3", "ITEM#4", "ITEM#5"], ["ITEM#6"]]
    assert _pages(dynamodb, KeyConditionExpression="PK = :p AND SK > :s", ScanIndexForward=False,
                  ExpressionAttributeValues={":p": {"S": "Q2"}, ":s": {"S": "ITEM#2"}}) == [
        ["ITEM#6", "ITEM#5", "ITEM#4"], ["ITEM#3"]]
    assert _pages(dynamodb, KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": "NONE"}}) == [[]]

    # And the index lists every indexed item of both partitions by its own keys, then the table's
    board = dynamodb.query(TableName=TABLE, IndexName="GSI1", KeyConditionExpression="GSI1PK = :b",
                           ExpressionAttributeValues={":b": {"S": "BOARD"}})["Items"]
    assert [(item["GSI1SK"]["S"], item["SK"]["S"]) for item in board] == sorted(
        (f"{n % 3}#{pk}", f"ITEM#{n}") for pk in ("Q1", "Q2") for n in range(1, 7))
    paged = _pages(dynamodb, IndexName="GSI1", KeyConditionExpression="GSI1PK = :b AND begins_with(GSI1SK, :z)",
                   ExpressionAttributeValues={":b": {"S": "BOARD"}, ":z": {"S": "0#"}})
    assert paged == [["ITEM#3", "ITEM#6", "ITEM#3"], ["ITEM#6"]]
