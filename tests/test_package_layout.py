"""The folders say which code needs which framework: PyTorch lives in ``tlteach/torch/``,
Keras in ``tlteach/keras/``, and every other module imports neither at module level, so a
Keras kernel never loads PyTorch (and a PyTorch one never loads TensorFlow) by importing a
shared helper. The old PyTorch paths still work for one release, with a warning."""

import ast
import importlib
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tlteach"
FRAMEWORKS = ("torch", "torchvision", "tensorflow", "keras", "tlteach.torch", "tlteach.keras")
FRAMEWORK_FOLDERS = (PACKAGE / "torch", PACKAGE / "keras")
MOVED = {  # old path -> new path (0.2)
    "tlteach.backbones": "tlteach.torch.backbones",
    "tlteach.strategies": "tlteach.torch.strategies",
    "tlteach.models": "tlteach.torch.small_cnn",
    "tlteach.modes": "tlteach.torch.layer_modes",
    "tlteach.cost": "tlteach.torch.cost",
    "tlteach.distill": "tlteach.torch.distill",
    "tlteach.pretrain": "tlteach.torch.pretrain",
    "tlteach.da": "tlteach.torch.da",
    **{f"tlteach.da.{m}": f"tlteach.torch.da.{m}"
       for m in ("dann", "digits", "grl", "models", "recipes", "self_training", "train")},
}


def neutral_modules() -> list[Path]:
    """The package's modules outside the framework folders."""
    return sorted(p for p in PACKAGE.rglob("*.py")
                  if not any(folder in p.parents for folder in FRAMEWORK_FOLDERS))


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _skipped_on_import(node: ast.If) -> bool:
    """``if TYPE_CHECKING:`` and ``if __name__ == "__main__":`` blocks."""
    test = ast.unparse(node.test)
    return "TYPE_CHECKING" in test or test.startswith("__name__ ==")


def module_level_imports(tree: ast.Module) -> list[str]:
    """The modules a file imports when it is imported (not inside functions or classes, nor
    under ``if TYPE_CHECKING`` or ``if __name__ == "__main__"``)."""
    found, todo = [], list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
        elif isinstance(node, ast.If) and not _skipped_on_import(node):
            todo.extend(node.body + node.orelse)
        elif isinstance(node, ast.Try):
            todo.extend(node.body + node.orelse + node.finalbody
                        + [n for h in node.handlers for n in h.body])
        elif isinstance(node, ast.With):
            todo.extend(node.body)
    return found


def imports_a_framework(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FRAMEWORKS)


def test_the_checker_sees_a_framework_import():
    tree = ast.parse("import os\nif True:\n    from torch import nn\n"
                     "def f():\n    import tensorflow\n")
    assert [m for m in module_level_imports(tree) if imports_a_framework(m)] == ["torch"]


@pytest.mark.parametrize("path", neutral_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_shared_modules_import_no_framework_at_module_level(path):
    imported = module_level_imports(ast.parse(path.read_text()))
    assert [m for m in imported if imports_a_framework(m)] == [], (
        f"{path.relative_to(ROOT)} imports a framework when imported: move the code to "
        "tlteach/torch/ or tlteach/keras/, or import it inside the function that needs it.")


def test_importing_every_shared_module_loads_no_framework():
    names = [module_name(p) for p in neutral_modules() if p.name != "__main__.py"]
    code = ("import importlib, sys\n"
            f"for name in {names!r}:\n    importlib.import_module(name)\n"
            f"print(sorted(m for m in {FRAMEWORKS[:4]!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=ROOT)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_paths_work_with_a_deprecation_warning(old):
    new = importlib.import_module(MOVED[old])
    name = next(n for n in sorted(vars(new)) if not n.startswith("_") and callable(vars(new)[n])
                and getattr(vars(new)[n], "__module__", "").startswith("tlteach."))
    shim = importlib.import_module(old)
    with pytest.warns(DeprecationWarning, match=MOVED[old]):
        value = getattr(shim, name)
    assert value is getattr(new, name)


def test_a_missing_name_on_an_old_path_is_an_attribute_error():
    shim = importlib.import_module("tlteach.backbones")
    with warnings.catch_warnings(), pytest.raises(AttributeError):
        warnings.simplefilter("ignore", DeprecationWarning)
        shim.no_such_name  # noqa: B018


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")),
                         ids=lambda p: p.name)
def test_notebooks_import_pytorch_helpers_from_tlteach_torch(path):
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    old = [line for line in code.splitlines()
           if any(line.lstrip().startswith((f"from {m} import", f"import {m}")) for m in MOVED)]
    assert old == [], f"{path.name} imports from old paths: {old}"
