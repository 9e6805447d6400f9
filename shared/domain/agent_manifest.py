"""The voice agent's tool manifest, built from the very pydantic models its routes validate with, so a tool's
schema cannot drift from its route. One list of tools, three dialects:

- openai: `{type: "function", function: {name, description, parameters}}`
- hume:   Hume EVI tool definitions (`parameters` as a JSON string, `fallback_content` for when a call fails,
          so the conversation goes on)
- mcp:    `{name, description, inputSchema, annotations}` with the MCP hints (readOnlyHint, destructiveHint,
          idempotentHint, openWorldHint)

Every description states the tool's side effects. `version` is a digest of the whole manifest (all dialects
derive from the same content), so a pinned Hume configuration can tell when the tools changed.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

MANIFEST_MAJOR = 1
FALLBACK = "I couldn't reach the studio's system just now. Apologise briefly and offer to try again."


@dataclass(frozen=True)
class Tool:
    name: str
    method: str
    path: str  # under the API prefix; {proposalId} is filled from the arguments
    args: type[BaseModel] | None
    description: str
    hints: dict[str, bool] = field(default_factory=dict)
    action: str | None = None  # a write tool's proposal action (switchable per client)
    body: dict[str, str] | None = None  # fixed body fields the worker adds (`action`, a log's `type`)


def read(name: str, method: str, path: str, args: type[BaseModel] | None, description: str) -> Tool:
    return Tool(name, method, path, args, f"{description} Read-only.",
                {"readOnlyHint": True, "destructiveHint": False, "idempotentHint": True, "openWorldHint": False})


def write(name: str, method: str, path: str, args: type[BaseModel], action: str, description: str) -> Tool:
    return Tool(name, method, path, args, f"{description} Confirm it with the member, then call confirm.",
                {"readOnlyHint": False, "destructiveHint": False, "idempotentHint": False, "openWorldHint": False},
                action, {"action": action})


def log(name: str, method: str, path: str, args: type[BaseModel], kind: str, description: str) -> Tool:
    """A log: written at once (no proposal), and the same content within 2 minutes is written once."""
    return Tool(name, method, path, args, f"{description} No confirmation needed: tell the member what was logged. "
                "The same log again within 2 minutes is kept once.",
                {"readOnlyHint": False, "destructiveHint": False, "idempotentHint": True, "openWorldHint": False},
                None, {"type": kind})


def confirm(name: str, method: str, path: str, args: type[BaseModel], description: str) -> Tool:
    return Tool(name, method, path, args, description,
                {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": True, "openWorldHint": False})


def parameters(tool: Tool) -> dict[str, Any]:
    """The arguments' JSON Schema (by alias: `from`, not `from_`), without the fixed body fields and titles."""
    if tool.args is None:
        return {"type": "object", "properties": {}, "additionalProperties": False}
    schema = tool.args.model_json_schema(by_alias=True)
    schema.pop("title", None)
    schema.pop("description", None)
    fixed = set(_fixed_body(tool) or {})
    properties = {k: {x: y for x, y in v.items() if x != "title"} for k, v in schema.get("properties", {}).items()
                  if k not in fixed}
    required = [r for r in schema.get("required", []) if r not in fixed]
    found: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        found["required"] = required
    return found


def _fixed_body(tool: Tool) -> dict[str, Any] | None:
    return dict(tool.body) if tool.body else None


def _openai(tool: Tool) -> dict[str, Any]:
    return {"type": "function", "function": {"name": tool.name, "description": tool.description,
                                             "parameters": parameters(tool)}}


def _hume(tool: Tool, version: str) -> dict[str, Any]:
    return {"type": "function", "name": tool.name, "description": tool.description,
            "parameters": json.dumps(parameters(tool), sort_keys=True), "fallback_content": FALLBACK,
            "version_description": f"sTvOS agent tools {version}"}


def _mcp(tool: Tool) -> dict[str, Any]:
    return {"name": tool.name, "description": tool.description, "inputSchema": parameters(tool),
            "annotations": {"title": tool.name.replace("_", " ").capitalize(), **tool.hints}}


def version_of(tools: list[Tool]) -> str:
    digest = hashlib.sha256(json.dumps([_mcp(t) | {"route": [t.method, t.path, t.action]} for t in tools],
                                       sort_keys=True).encode()).hexdigest()
    return f"{MANIFEST_MAJOR}.{digest[:12]}"


def render(tools: list[Tool], dialect: str, prefix: str) -> dict[str, Any]:
    version = version_of(tools)
    shaped = {"openai": _openai, "mcp": _mcp}.get(dialect)
    return {"version": version, "format": dialect,
            "tools": [shaped(t) if shaped else _hume(t, version) for t in tools],
            "routes": {t.name: {"method": t.method, "path": f"{prefix}{t.path}", "body": _fixed_body(t)}
                       for t in tools}}
