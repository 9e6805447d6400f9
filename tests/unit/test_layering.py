"""The domain knows nothing of HTTP: shared/domain/* takes plain ids and values (and the caller as a plain value,
shared/auth/principal.py) and imports neither the web framework nor shared/http; request models live with the
routes (functions/<group>/app.py, or shared/requests.py when several functions read one)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
DOMAIN = sorted((ROOT / "shared" / "domain").rglob("*.py"))
HTTP_MODULES = ("fastapi", "starlette", "mangum", "shared.http")


def _imports(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):  # function-level imports count too
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
    return found


@pytest.mark.parametrize("module", DOMAIN, ids=lambda path: str(path.relative_to(ROOT)))
def test_given_a_domain_module_then_it_imports_nothing_of_http_and_defines_no_request_model(module):
    tree = ast.parse(module.read_text(encoding="utf-8"))
    http = [name for name in _imports(tree) if name.startswith(HTTP_MODULES)]
    assert http == [], f"{module.name} imports {http}"
    request_models = [node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
                      and any(isinstance(base, ast.Name) and base.id == "ApiModel" for base in node.bases)]
    assert request_models == [], f"{module.name} defines request models {request_models}"


def test_given_the_domain_folder_then_the_check_reads_its_modules():
    names = {path.name for path in DOMAIN}
    assert {"accounts.py", "onboarding.py", "voice.py", "password_reset.py"} <= names
