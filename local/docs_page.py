"""A readable HTML page of the OpenAPI document, rendered on the server: no script, no CDN, works offline."""
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
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #e2e8f0;padding:3px 8px;text-align:left;
vertical-align:top}pre{background:#0f172a;color:#e2e8f0;padding:8px;border-radius:6px;overflow:auto;font-size:13px}
.sec{color:#475569;font-size:13px}
"""


def _security(operation: dict[str, Any]) -> str:
    options = operation.get("security", [])
    if not options:
        return "public"
    return " or ".join(" + ".join(option) or "anonymous" for option in options)


def _schema_ref(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    return json.dumps(schema)[:120]


def render(document: dict[str, Any]) -> str:
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(document['info']['title'])}"
             f"</title><style>{STYLE}</style></head><body><header><h1>{html.escape(document['info']['title'])} "
             f"<small>{html.escape(document['info']['version'])}</small></h1><p>"
             f"{html.escape(document['info'].get('description', ''))}</p></header><main>"
             "<p><a href=\"openapi.json\">openapi.json</a></p>"]
    tags = sorted({op["tags"][0] for ops in document["paths"].values() for op in ops.values()})
    parts.append("<nav>" + "".join(f'<a href="#{t}">{html.escape(t)}</a>' for t in tags) + "</nav>")
    for tag in tags:
        parts.append(f'<h2 id="{tag}">{html.escape(tag)}</h2>')
        for path, operations in document["paths"].items():
            for method, op in operations.items():
                if op["tags"][0] != tag:
                    continue
                m = method.upper()
                parts.append(f'<section class="op" id="{html.escape(op.get("operationId", ""))}">'
                             f'<span class="m {m}">{m}</span><code class="path">{html.escape(path)}</code>'
                             f'<div class="sec">auth: {html.escape(_security(op))}</div>')
                params = op.get("parameters", [])
                if params:
                    parts.append("<table><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th></tr>")
                    for p in params:
                        parts.append(f"<tr><td>{html.escape(p['name'])}</td><td>{p['in']}</td>"
                                     f"<td>{'yes' if p.get('required') else 'no'}</td>"
                                     f"<td><code>{html.escape(_schema_ref(p.get('schema', {})))}</code></td></tr>")
                    parts.append("</table>")
                body = op.get("requestBody", {}).get("content", {}).get("application/json")
                if body:
                    parts.append(f"<div>body: <code>{html.escape(_schema_ref(body.get('schema', {})))}</code></div>")
                    if "example" in body:
                        parts.append(f"<pre>{html.escape(json.dumps(body['example'], indent=2))}</pre>")
                parts.append("<table><tr><th>status</th><th>meaning</th></tr>")
                for status, answer in op["responses"].items():
                    parts.append(f"<tr><td>{status}</td><td>{html.escape(answer.get('description', ''))}</td></tr>")
                parts.append("</table></section>")
    schemas = document["components"]["schemas"]
    parts.append('<h2 id="schemas">Schemas</h2>')
    for name, schema in schemas.items():
        parts.append(f'<section class="op" id="schema-{html.escape(name)}"><b>{html.escape(name)}</b>'
                     f"<pre>{html.escape(json.dumps(schema, indent=2))}</pre></section>")
    parts.append("</main></body></html>")
    return "".join(parts)
