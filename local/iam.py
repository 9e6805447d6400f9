"""The template's IAM policies, read and enforced locally for DynamoDB and the secrets.

In AWS a function may call only the DynamoDB actions its `Policies` grant; a call beyond them fails with
`AccessDeniedException`. The local API runs every function in one process with one DynamoDB client, so it
would never notice a policy that is too narrow. Here the gateway runs each handler `as_function(logical_id)`,
and a botocore hook on the client refuses, as AWS would, any call the function's policies do not grant
(calls made outside a function, by the seed or the admin CLI, are not checked); so is a secret it reads without
its ARN variable and GetSecretValue on that secret. The end-to-end tests thus prove the grants are wide enough;
tests/unit/test_iam_policies.py proves they are no wider than needed.

As in IAM: `TransactWriteItems` and `TransactGetItems` are authorized per contained action (PutItem,
UpdateItem, DeleteItem, ConditionCheckItem, GetItem); a query on an index needs the `<table>/index/*`
resource; a `dynamodb:LeadingKeys` condition (`ForAllValues:StringLike`) limits the partition keys.
"""
from __future__ import annotations

import contextvars
import fnmatch
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from local.template import load_template

# The SAM policy templates for a table, and the DynamoDB actions they grant (on the table and its indexes).
SAM_TABLE_POLICIES: dict[str, frozenset[str]] = {
    "DynamoDBReadPolicy": frozenset({"GetItem", "Scan", "Query", "BatchGetItem", "DescribeTable",
                                     "ConditionCheckItem", "PartiQLSelect"}),
    "DynamoDBWritePolicy": frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
                                      "ConditionCheckItem", "PartiQLInsert", "PartiQLUpdate", "PartiQLDelete"}),
    "DynamoDBCrudPolicy": frozenset({"GetItem", "DeleteItem", "PutItem", "Scan", "Query", "UpdateItem",
                                     "BatchWriteItem", "BatchGetItem", "DescribeTable", "ConditionCheckItem"}),
}
READ_ACTIONS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable", "ConditionCheckItem",
                          "PartiQLSelect"})
_TRANSACT_KIND = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                  "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("stvos_local_function", default=None)


@dataclass(frozen=True)
class Grant:
    """One Allow for DynamoDB: actions on the table and/or its indexes, optionally only for partition keys
    matching `leading_keys` (IAM's StringLike patterns)."""
    actions: frozenset[str]
    table: bool
    index: bool
    leading_keys: tuple[str, ...] | None = None

    def allows(self, action: str, on_index: bool, partition_key: str | None) -> bool:
        if action not in self.actions or not (self.index if on_index else self.table):
            return False
        if self.leading_keys is None:
            return True
        return partition_key is not None and any(fnmatch.fnmatchcase(partition_key, p) for p in self.leading_keys)


@dataclass(frozen=True)
class Policies:
    """What one function's policies allow: its DynamoDB grants, the logical ids of the secrets it may read,
    and every other action (ses:SendEmail...)."""
    dynamodb: tuple[Grant, ...] = ()
    secrets: frozenset[str] = frozenset()
    other: tuple[str, ...] = ()

    def allows(self, action: str, on_index: bool = False, partition_key: str | None = None) -> bool:
        return any(grant.allows(action, on_index, partition_key) for grant in self.dynamodb)

    @property
    def dynamodb_actions(self) -> frozenset[str]:
        return frozenset().union(*(grant.actions for grant in self.dynamodb))


def _resource_kind(resource: Any, table_id: str) -> str | None:
    """'table', 'index' or None for a statement's resource (only this template's table is understood)."""
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        target = resource["Fn::GetAtt"]
        name = target.split(".")[0] if isinstance(target, str) else target[0]
        return "table" if name == table_id else None
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        text = resource["Fn::Sub"] if isinstance(resource["Fn::Sub"], str) else resource["Fn::Sub"][0]
        return {f"${{{table_id}.Arn}}/index/*": "index", f"${{{table_id}.Arn}}": "table"}.get(text)
    return None


def _leading_keys(condition: dict[str, Any] | None) -> tuple[str, ...] | None:
    if not condition:
        return None
    patterns = (condition.get("ForAllValues:StringLike") or {}).get("dynamodb:LeadingKeys") \
        or (condition.get("ForAllValues:StringEquals") or {}).get("dynamodb:LeadingKeys")
    if patterns is None:
        raise ValueError(f"local IAM does not understand the condition {condition}")
    return tuple(patterns if isinstance(patterns, list) else [patterns])


def policies_of(properties: dict[str, Any], table_id: str) -> Policies:
    grants: list[Grant] = []
    secrets: set[str] = set()
    other: list[str] = []
    for policy in properties.get("Policies") or []:
        if not isinstance(policy, dict):
            other.append(str(policy))
            continue
        for name, spec in policy.items():
            if name in SAM_TABLE_POLICIES:
                grants.append(Grant(SAM_TABLE_POLICIES[name], table=True, index=True))
            elif name == "AWSSecretsManagerGetSecretValuePolicy":
                secret = spec.get("SecretArn")
                secrets.add(secret["Ref"] if isinstance(secret, dict) and "Ref" in secret else str(secret))
            elif name == "Statement":
                for statement in spec if isinstance(spec, list) else [spec]:
                    if statement.get("Effect") != "Allow":
                        continue
                    actions = statement.get("Action")
                    actions = [str(a) for a in (actions if isinstance(actions, list) else [actions])]
                    other += [a for a in actions if not a.startswith("dynamodb:")]
                    verbs = frozenset(a.split(":", 1)[1] for a in actions if a.startswith("dynamodb:"))
                    if not verbs:
                        continue
                    resources = statement.get("Resource")
                    kinds = {_resource_kind(r, table_id)
                             for r in (resources if isinstance(resources, list) else [resources])}
                    grants.append(Grant(verbs, "table" in kinds, "index" in kinds,
                                        _leading_keys(statement.get("Condition"))))
            else:
                other.append(name)
    return Policies(tuple(grants), frozenset(secrets), tuple(other))


@lru_cache(maxsize=1)
def function_policies() -> dict[str, Policies]:
    """Logical id -> Policies, for every function of the template."""
    resources = load_template()["Resources"]
    table_id = next(k for k, v in resources.items() if v["Type"] == "AWS::DynamoDB::Table")
    return {logical_id: policies_of(resource.get("Properties") or {}, table_id)
            for logical_id, resource in resources.items() if resource["Type"] == "AWS::Serverless::Function"}


def as_function(logical_id: str, handler: Callable[..., Any]) -> Callable[..., Any]:
    """`handler`, run with its DynamoDB calls checked against `logical_id`'s policies."""
    def invoke(event: Any, context: Any = None) -> Any:
        token = _current.set(logical_id)
        try:
            return handler(event, context)
        finally:
            _current.reset(token)

    return invoke


def _partition_key(key_or_item: dict[str, Any] | None) -> str | None:
    value = (key_or_item or {}).get("PK") or {}
    return value.get("S") if isinstance(value, dict) else None


def needed(operation: str, params: dict[str, Any]) -> list[tuple[str, bool, str | None]]:
    """(action, on an index, partition key) for each check IAM makes on one DynamoDB call."""
    if operation in ("TransactWriteItems", "TransactGetItems"):
        return [(_TRANSACT_KIND[kind], False, _partition_key(body.get("Key") or body.get("Item")))
                for entry in params.get("TransactItems", []) for kind, body in entry.items()]
    if operation == "BatchGetItem":
        return [("BatchGetItem", False, _partition_key(key))
                for request in (params.get("RequestItems") or {}).values() for key in request.get("Keys", [])]
    if operation == "Query":
        values = params.get("ExpressionAttributeValues") or {}
        return [("Query", bool(params.get("IndexName")), _partition_key({"PK": values.get(":pk")}))]
    return [(operation, False, _partition_key(params.get("Key") or params.get("Item")))]


def _check(model: Any, params: dict[str, Any], **_: Any) -> None:
    logical_id = _current.get()
    if logical_id is None:
        return
    policies = function_policies().get(logical_id, Policies())
    for action, on_index, partition_key in needed(model.name, params):
        if not policies.allows(action, on_index, partition_key):
            from botocore.exceptions import ClientError

            where = "an index" if on_index else f"partition {partition_key!r}" if partition_key else "the table"
            message = f"local IAM: {logical_id} is not allowed dynamodb:{action} on {where} (template.yaml)"
            print(message, file=sys.stderr, flush=True)
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": message}}, model.name)


@lru_cache(maxsize=1)
def _secret_variables() -> dict[str, dict[str, str]]:
    """Logical id -> {ARN variable -> the secret's logical id} from each function's Environment."""
    resources = load_template()["Resources"]
    found: dict[str, dict[str, str]] = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        variables = ((resource.get("Properties") or {}).get("Environment") or {}).get("Variables") or {}
        found[logical_id] = {name: value["Ref"] for name, value in variables.items()
                             if name.endswith("_SECRET_ARN") and isinstance(value, dict) and "Ref" in value}
    return found


def _check_secret(name: str) -> None:
    """A function reads a secret only when its template hands it the secret's ARN and grants GetSecretValue."""
    logical_id = _current.get()
    if logical_id is None:
        return
    from shared.settings import SECRET_ARN_OF

    variable = SECRET_ARN_OF[name].upper()  # jwt_secret_arn -> JWT_SECRET_ARN
    secret = _secret_variables().get(logical_id, {}).get(variable)
    if secret is None or secret not in function_policies()[logical_id].secrets:
        message = (f"local IAM: {logical_id} may not read the secret {name} (template.yaml: {variable} in its "
                   "Environment and GetSecretValue on that secret in its Policies)")
        print(message, file=sys.stderr, flush=True)
        raise RuntimeError(message)


def enforce(client: Any) -> None:
    """Check every call of this DynamoDB client, and every secret read, made inside `as_function` against the
    template."""
    client.meta.events.register("before-parameter-build.dynamodb.*", _check, unique_id="stvos-local-iam")
    import shared.settings

    shared.settings.local_secret_guard = _check_secret
