"""make bench runs for minutes, so no test runs it; its imports are checked here instead
(the ones inside functions too, which only fail when the benchmark reaches them)."""

import ast
import importlib
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_name_the_benchmarks_import_exists():
    tree = ast.parse((ROOT / "benchmarks" / "run.py").read_text())
    imports = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert imports
    for node in imports:
        if node.module == "__future__":
            continue
        module = importlib.import_module(node.module)
        for alias in node.names:
            assert hasattr(module, alias.name) or importlib.util.find_spec(
                f"{node.module}.{alias.name}"), f"benchmarks/run.py: {node.module}.{alias.name}"
