"""The embedded DynamoDB's shortcuts (local/dynamo.py) answer exactly as moto does without them: the same calls
sent to moto's own server app and to the shortcut app give the same status and the same JSON, and a cancelled
transaction leaves nothing behind either way."""
from __future__ import annotations

import json
import uuid
from typing import Any

from moto.dynamodb import models
from moto.dynamodb.responses import DynamoHandler
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.test import Client

from local import dynamo
from local.template import api_definition

HEADERS = {"Content-Type": "application/x-amz-json-1.0", "Host": "localhost:5000",
           "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, "
                            "SignedHeaders=host, Signature=x"}


def _calls(table: str) -> list[tuple[str, dict[str, Any]]]:
    """A table's life as the repository speaks to it: items, reads, conditions, pages, batches, transactions."""
    props = api_definition().table
    key = {"PK": {"S": "P#1"}, "SK": {"S": "S#1"}}
    item = {**key, "n": {"N": "1"}, "tags": {"SS": ["a", "b"]}, "m": {"M": {"x": {"L": [{"BOOL": True},
                                                                                       {"NULL": True}]}}}}
    return [
        ("CreateTable", {"TableName": table, "AttributeDefinitions": props["AttributeDefinitions"],
                         "KeySchema": props["KeySchema"], "BillingMode": "PAY_PER_REQUEST",
                         "GlobalSecondaryIndexes": props["GlobalSecondaryIndexes"]}),
        ("PutItem", {"TableName": table, "Item": item, "ReturnConsumedCapacity": "TOTAL"}),
        ("PutItem", {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(PK)",
                     "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}),
        ("GetItem", {"TableName": table, "Key": key, "ReturnConsumedCapacity": "TOTAL"}),
        ("GetItem", {"TableName": table, "Key": {"PK": {"S": "P#none"}, "SK": {"S": "S"}}}),
        ("UpdateItem", {"TableName": table, "Key": key, "UpdateExpression": "ADD n :one SET w = :w",
                        "ExpressionAttributeValues": {":one": {"N": "2"}, ":w": {"S": "é"}}, "ReturnValues": "ALL_NEW",
                        "ReturnConsumedCapacity": "TOTAL"}),
        ("UpdateItem", {"TableName": table, "Key": key, "UpdateExpression": "SET n = :n",
                        "ExpressionAttributeValues": {":n": {"N": "9"}}, "ReturnValues": "UPDATED_NEW"}),
        *[("PutItem", {"TableName": table, "Item": {"PK": {"S": "P#2"}, "SK": {"S": f"S#{n}"}, "v": {"N": str(n)},
                                                      "GSI1PK": {"S": "G"}, "GSI1SK": {"S": f"{n:03d}"}}})
          for n in range(5)],
        ("Query", {"TableName": table, "KeyConditionExpression": "PK = :pk", "Limit": 2,
                   "ExpressionAttributeValues": {":pk": {"S": "P#2"}}, "ReturnConsumedCapacity": "TOTAL"}),
        ("Query", {"TableName": table, "IndexName": "GSI1", "KeyConditionExpression": "GSI1PK = :pk",
                   "ScanIndexForward": False, "ExpressionAttributeValues": {":pk": {"S": "G"}}}),
        ("BatchGetItem", {"RequestItems": {table: {"Keys": [key, {"PK": {"S": "P#2"}, "SK": {"S": "S#3"}}]}},
                          "ReturnConsumedCapacity": "TOTAL"}),
        ("BatchWriteItem", {"RequestItems": {table: [{"PutRequest": {"Item": {"PK": {"S": "P#3"},
                                                                               "SK": {"S": "S"}}}}]}}),
        ("TransactWriteItems", {"TransactItems": [
            {"Update": {"TableName": table, "Key": key, "UpdateExpression": "SET n = :n",
                        "ExpressionAttributeValues": {":n": {"N": "3"}}}},
            {"Put": {"TableName": table, "Item": {"PK": {"S": "P#4"}, "SK": {"S": "S"}}}}]}),
        ("TransactWriteItems", {"TransactItems": [
            {"Put": {"TableName": table, "Item": {"PK": {"S": "P#5"}, "SK": {"S": "S"}}}},
            {"ConditionCheck": {"TableName": table, "Key": key, "ConditionExpression": "n = :x",
                                "ExpressionAttributeValues": {":x": {"N": "42"}},
                                "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}]}),
        ("GetItem", {"TableName": table, "Key": {"PK": {"S": "P#5"}, "SK": {"S": "S"}}}),
        ("DeleteItem", {"TableName": table, "Key": key, "ReturnValues": "ALL_OLD"}),
        ("DescribeTimeToLive", {"TableName": table}),
    ]


def _answers(app: Any, table: str) -> list[tuple[int, Any]]:
    client = Client(app)
    answers = []
    for operation, body in _calls(table):
        reply = client.post("/", headers={**HEADERS, "X-Amz-Target": f"{dynamo.DYNAMODB_TARGET}{operation}"},
                            data=json.dumps(body))
        text = reply.get_data(as_text=True).replace(table, "TABLE")
        answers.append((reply.status_code, json.loads(text) if operation != "CreateTable" else None))
    return answers


def test_given_the_same_calls_then_the_shortcuts_answer_as_moto_does(monkeypatch):
    # Given moto's own server app, and the same app behind the embedded DynamoDB's shortcuts
    own = _answers(DomainDispatcherApplication(create_backend_app), f"own-{uuid.uuid4().hex[:8]}")
    monkeypatch.setattr(DynamoHandler, "serialized", DynamoHandler.serialized)  # put back after the test
    monkeypatch.setattr(models.DynamoDBBackend, "transact_write_items", models.DynamoDBBackend.transact_write_items)
    dynamo._plain_json_results()
    dynamo._journaled_transactions()
    shortcut = dynamo._straight_to_dynamodb(DomainDispatcherApplication(create_backend_app))
    # When each answers a table's life, Then every answer is the same
    ours = _answers(shortcut, f"own-{uuid.uuid4().hex[:8]}")
    assert [status for status, _ in ours] == [status for status, _ in own]
    assert ours == own
    assert any(status == 400 for status, _ in own)  # the condition failures were part of it
    assert own[-3] == (200, {})  # the cancelled transaction's put was undone, with or without the shortcuts
