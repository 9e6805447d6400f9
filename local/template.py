"""Read template.yaml: the routes, authorizers, gateway responses, CORS and table the local API mirrors."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !GetAtt, !Sub...) read as {"Ref": ...}-like dicts."""


def _tag(loader: _CfnLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    name = suffix if suffix == "Ref" else f"Fn::{suffix}"
    return {name: value}


_CfnLoader.add_multi_constructor("!", _tag)


@dataclass(frozen=True)
class Authorizer:
    name: str
    function: str
    headers: tuple[str, ...]
    ttl: int


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # e.g. /api/v1/sessions/{id}/progress
    function: str  # logical id
    code_dir: Path
    authorizer: str | None
    api_key_required: bool
    pattern: re.Pattern[str] = field(compare=False)

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(path)
        return found.groupdict() if found else None


@dataclass(frozen=True)
class ApiDefinition:
    routes: list[Route]
    authorizers: dict[str, Authorizer]
    gateway_responses: dict[str, dict[str, Any]]
    cors: dict[str, str]
    functions: dict[str, Path]  # logical id -> code dir
    handlers: dict[str, str]  # logical id -> handler attribute of app.py
    table: dict[str, Any]
    table_logical_id: str


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass


def _pattern(path: str) -> re.Pattern[str]:
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
    return re.compile(regex)


def _ref(value: Any) -> str:
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        return (target.split(".")[0] if isinstance(target, str) else target[0])
    if isinstance(value, dict) and "Ref" in value:
        return value["Ref"]
    return str(value)


def _unquote(value: Any) -> str:
    text = str(value)
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text


@lru_cache(maxsize=1)
def api_definition() -> ApiDefinition:
    resources = load_template()["Resources"]
    api_id, api = next((k, v) for k, v in resources.items() if v["Type"] == "AWS::Serverless::Api")
    props = api["Properties"]
    authorizers = {}
    for name, spec in props.get("Auth", {}).get("Authorizers", {}).items():
        identity = spec.get("Identity", {})
        authorizers[name] = Authorizer(name, _ref(spec["FunctionArn"]), tuple(identity.get("Headers", [])),
                                       int(identity.get("ReauthorizeEvery", 300)))
    functions: dict[str, Path] = {}
    handlers: dict[str, str] = {}
    routes: list[Route] = []
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        code_dir = ROOT / resource["Properties"]["CodeUri"]
        functions[logical_id] = code_dir
        handlers[logical_id] = str(resource["Properties"].get("Handler", "app.handler")).split(".", 1)[1]
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] != "Api" or _ref(event["Properties"].get("RestApiId")) != api_id:
                continue
            ev = event["Properties"]
            auth = ev.get("Auth", {})
            authorizer = auth.get("Authorizer")
            routes.append(Route(ev["Method"].upper(), ev["Path"], logical_id, code_dir,
                                None if authorizer in (None, "NONE") else authorizer,
                                bool(auth.get("ApiKeyRequired", False)), _pattern(ev["Path"])))
    # Literal segments win over {params}, as in API Gateway.
    routes.sort(key=lambda r: [(seg.startswith("{"), seg) for seg in r.path.split("/")])
    cors = {k: _unquote(v) for k, v in props.get("Cors", {}).items()}
    table_id, table = next((k, v) for k, v in resources.items() if v["Type"] == "AWS::DynamoDB::Table")
    return ApiDefinition(routes, authorizers, props.get("GatewayResponses", {}), cors, functions, handlers,
                         table["Properties"], table_id)


def unquote(value: Any) -> str:
    return _unquote(value)


def documented_routes() -> list[Route]:
    """The routes with a method of their own (the ANY catch-alls only turn other methods into 405)."""
    return [route for route in api_definition().routes if route.method != "ANY"]
