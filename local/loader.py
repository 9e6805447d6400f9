"""The one way to load a function's app.py by path, as Lambda does: the module is registered in `sys.modules`
before it runs, so that what looks a module up by name (pydantic resolving a model's annotations under
`from __future__ import annotations`, generic models) finds it."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load_function(code_dir: Path, name: str) -> ModuleType:
    """`code_dir/app.py` as the module `name` (loaded once per name; later calls return the same module)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(code_dir) / "app.py")
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {code_dir}/app.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
