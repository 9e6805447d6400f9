"""A readable HTML page of the OpenAPI document, rendered on the server: no script, no CDN, works offline.

Every model is a table of its fields (name, type, required, description, example), and every type that is
another model is a link to that model's table; request bodies and answers link to their models. No JSON Schema
is shown raw: long patterns (the email one is 600 characters) are left to openapi.json.
"""
from __future__ import annotations

import html
import json
from typing import Any

STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1e293b;background:#f8fafc}
header{background:#1e3a5f;color:#fff;padding:20px 32px}header h1{margin:0;font-size:22px}
main{max-width:1100px;margin:0 auto;padding:16px 32px}nav a{margin-right:12px}
section.op{background:#fff;border:1px solid #e2e8f0;border-radius:8px;margin:12px 0;padding:12px 16px}
.m{display:inline-block;min-width:64px;font-weight:700;border-radius:4px;padding:2px 8px;color:#fff;text-align:center}
.GET{background:#2563eb}.POST{background:#16a34a}.PUT{background:#d97706}.PATCH{background:#7c3aed}
.DELETE{background:#dc2626}code.path{font-size:16px;margin-left:8px}
table{border-collapse:collapse;margin:6px 0;width:100%}td,th{border:1px solid #e2e8f0;padding:3px 8px;text-align:left;
vertical-align:top}th{background:#f1f5f9}pre{background:#0f172a;color:#e2e8f0;padding:8px;border-radius:6px;
overflow:auto;font-size:13px}.sec{color:#475569;font-size:13px}td code{font-size:13px}.desc{color:#334155}
"""
PATTERN_SHOWN = 40  # longer patterns are for machines: see openapi.json


def _e(text: Any) -> str:
    return html.escape(str(text))


def _name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _link(ref: str) -> str:
    name = _name(ref)
    return f'<a href="#schema-{_e(name)}">{_e(name)}</a>'


def _constraints(schema: dict[str, Any]) -> list[str]:
    shown = []
    low, high = schema.get("minimum", schema.get("exclusiveMinimum")), schema.get("maximum",
                                                                                  schema.get("exclusiveMaximum"))
    if low is not None or high is not None:
        shown.append(f"{'' if low is None else low}–{'' if high is None else high}")
    if "minLength" in schema or "maxLength" in schema:
        shown.append(f"{schema.get('minLength', 0)}–{schema.get('maxLength', '')} chars")
    if "minItems" in schema or "maxItems" in schema:
        shown.append(f"{schema.get('minItems', 0)}–{schema.get('maxItems', '')} items")
    pattern = schema.get("pattern")
    if pattern and len(pattern) <= PATTERN_SHOWN:
        shown.append(f"pattern <code>{_e(pattern)}</code>")
    elif pattern:
        shown.append("pattern (see openapi.json)")
    if schema.get("format"):
        shown.append(_e(schema["format"]))
    return shown


def type_of(schema: dict[str, Any]) -> str:
    """A field's type in words, with links to the models it names."""
    if "$ref" in schema:
        return _link(schema["$ref"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(type_of(part) for part in schema[key])
    if "allOf" in schema:
        return " and ".join(type_of(part) for part in schema["allOf"] if part.get("$ref") or part.get("type"))
    if "const" in schema:
        return f"<code>{_e(json.dumps(schema['const']))}</code>"
    if "enum" in schema:
        return "one of " + ", ".join(f"<code>{_e(value)}</code>" for value in schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(type_of({**schema, "type": k}) for k in kind)
    if kind == "array":
        words = "list of " + type_of(schema.get("items") or {})
    elif kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        words = "map of string to " + type_of(schema["additionalProperties"])
    else:
        words = _e(kind or "any")
    extra = _constraints(schema)
    return words + (f" ({', '.join(extra)})" if extra else "")


def _example(schema: dict[str, Any]) -> str:
    for key in ("examples", "example"):
        if key in schema:
            value = schema[key][0] if key == "examples" and isinstance(schema[key], list) and schema[key] \
                else schema[key]
            return f"<code>{_e(json.dumps(value, ensure_ascii=False))}</code>"
    return ""


def fields_table(schema: dict[str, Any]) -> str:
    """One row per property: name, type, required, description, example."""
    properties = schema.get("properties") or {}
    if not properties:
        return f"<p class=desc>{type_of(schema)}</p>"
    required = set(schema.get("required") or [])
    rows = ["<table><tr><th>field</th><th>type</th><th>required</th><th>description</th><th>example</th></tr>"]
    for name, field in properties.items():
        rows.append(f"<tr><td><code>{_e(name)}</code></td><td>{type_of(field)}</td>"
                    f"<td>{'yes' if name in required else 'no'}</td><td>{_e(field.get('description', ''))}</td>"
                    f"<td>{_example(field)}</td></tr>")
    rows.append("</table>")
    return "".join(rows)


def _security(operation: dict[str, Any]) -> str:
    options = operation.get("security", [])
    if not options:
        return "public"
    return " or ".join(" + ".join(option) or "nothing" for option in options)


def _operation(path: str, method: str, op: dict[str, Any]) -> list[str]:
    m = method.upper()
    parts = [f'<section class="op" id="{_e(op.get("operationId", ""))}">'
             f'<span class="m {m}">{m}</span><code class="path">{_e(path)}</code>'
             f' <span class=sec>{_e(op.get("operationId", ""))}</span>'
             f'<div class="sec">auth: {_e(_security(op))}</div>']
    if op.get("description"):
        parts.append(f"<p class=desc>{_e(op['description'])}</p>")
    params = op.get("parameters", [])
    if params:
        parts.append("<table><tr><th>parameter</th><th>in</th><th>type</th><th>required</th><th>description</th>"
                     "<th>example</th></tr>")
        for p in params:
            schema = p.get("schema", {})
            parts.append(f"<tr><td><code>{_e(p['name'])}</code></td><td>{_e(p['in'])}</td><td>{type_of(schema)}</td>"
                         f"<td>{'yes' if p.get('required') else 'no'}</td>"
                         f"<td>{_e(p.get('description') or schema.get('description') or '')}</td>"
                         f"<td>{_example(p) or _example(schema)}</td></tr>")
        parts.append("</table>")
    body = op.get("requestBody", {}).get("content", {}).get("application/json")
    if body:
        parts.append(f"<div>body: {type_of(body.get('schema', {}))}</div>")
        if "example" in body:
            parts.append(f"<pre>{_e(json.dumps(body['example'], indent=2, ensure_ascii=False))}</pre>")
    parts.append("<table><tr><th>status</th><th>meaning</th><th>answer</th></tr>")
    for status, answer in op["responses"].items():
        schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
        parts.append(f"<tr><td>{_e(status)}</td><td>{_e(answer.get('description', ''))}</td>"
                     f"<td>{type_of(schema) if schema else ''}</td></tr>")
    parts.append("</table></section>")
    return parts


def render(document: dict[str, Any]) -> str:
    info = document["info"]
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{_e(info['title'])}"
             f"</title><style>{STYLE}</style></head><body><header><h1>{_e(info['title'])} "
             f"<small>{_e(info['version'])}</small></h1><p>{_e(info.get('description', ''))}</p></header><main>"
             "<p><a href=\"openapi.json\">openapi.json</a></p>"]
    tags = sorted({op["tags"][0] for ops in document["paths"].values() for op in ops.values()})
    parts.append("<nav>" + "".join(f'<a href="#{t}">{_e(t)}</a>' for t in tags)
                 + '<a href="#schemas">models</a></nav>')
    for tag in tags:
        parts.append(f'<h2 id="{_e(tag)}">{_e(tag)}</h2>')
        for path, operations in document["paths"].items():
            for method, op in operations.items():
                if op["tags"][0] == tag:
                    parts.extend(_operation(path, method, op))
    parts.append('<h2 id="schemas">Models</h2>')
    for name, schema in document["components"]["schemas"].items():
        parts.append(f'<section class="op" id="schema-{_e(name)}"><b>{_e(name)}</b>')
        if schema.get("description"):
            parts.append(f"<p class=desc>{_e(schema['description'])}</p>")
        parts.append(fields_table(schema) + "</section>")
    parts.append("</main></body></html>")
    return "".join(parts)
