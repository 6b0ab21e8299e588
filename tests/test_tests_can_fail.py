"""Every test can fail: its body checks a computed value against an expectation.

A test passes this check when it (or a helper defined in its file that it calls) holds an
``assert`` on something other than a constant, or a ``pytest.raises`` / ``pytest.warns``,
or an ``assert_*`` call (``np.testing.assert_allclose``, ``torch.testing.assert_close``), or
a lesson's ``check`` (``tlteach.claims``). Asserting only that an accuracy lies in [0, 1]
does not count: every accuracy does.
"""

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
CHECKING_CALLS = ("raises", "warns", "check", "check_claim")


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _is_zero_one_range(test: ast.expr) -> bool:
    """``0 <= x <= 1`` (or with 0.0 and 1.0): true of every accuracy or probability."""
    return (isinstance(test, ast.Compare) and len(test.ops) == 2
            and isinstance(test.left, ast.Constant) and test.left.value == 0
            and isinstance(test.comparators[-1], ast.Constant)
            and test.comparators[-1].value == 1)


def _checks(node: ast.AST) -> bool:
    """Whether the node itself is an assertion on a computed value."""
    if isinstance(node, ast.Assert):
        if isinstance(node.test, ast.Constant):
            return False
        if isinstance(node.test, ast.BoolOp):
            return any(not _is_zero_one_range(v) and not isinstance(v, ast.Constant)
                       for v in node.test.values)
        return not _is_zero_one_range(node.test)
    if isinstance(node, ast.Call):
        name = _call_name(node)
        raises_on_failure = any(k.arg == "check" and getattr(k.value, "value", None) is True
                                for k in node.keywords)  # subprocess.run(..., check=True)
        return name.startswith("assert") or name in CHECKING_CALLS or raises_on_failure
    return False


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}


def checks_something(function: ast.FunctionDef, helpers: dict[str, ast.FunctionDef],
                     depth: int = 2) -> bool:
    """Whether ``function`` (or a helper of its file it calls, ``depth`` levels) asserts."""
    for node in ast.walk(function):
        if _checks(node):
            return True
        if depth and isinstance(node, ast.Call) and _call_name(node) in helpers:
            helper = helpers[_call_name(node)]
            if helper is not function and checks_something(helper, helpers, depth - 1):
                return True
    return False


def collect_tests() -> list[tuple[str, ast.FunctionDef, dict]]:
    found = []
    for path in sorted(TESTS.glob("test_*.py")):
        tree = ast.parse(path.read_text())
        helpers = _functions(tree)
        found.extend((f"{path.name}::{name}", fn, helpers) for name, fn in helpers.items()
                     if name.startswith("test_"))
    return found


def test_the_checker_tells_an_assertion_from_none():
    tree = ast.parse("def test_a():\n    x = 1\n    assert True\n"
                     "def test_b(acc):\n    assert 0 <= acc <= 1\n"
                     "def test_c(acc):\n    assert acc == 0.75\n"
                     "def helper(v):\n    assert v > 2\n"
                     "def test_d():\n    helper(3)\n")
    helpers = _functions(tree)
    verdicts = {n: checks_something(f, helpers) for n, f in helpers.items() if n[:5] == "test_"}
    assert verdicts == {"test_a": False, "test_b": False, "test_c": True, "test_d": True}


@pytest.mark.parametrize("name, function, helpers", collect_tests(),
                         ids=[name for name, _, _ in collect_tests()])
def test_every_test_checks_a_computed_value(name, function, helpers):
    assert checks_something(function, helpers), (
        f"{name} asserts nothing that could fail: compare a computed value with an exact, "
        "hand-computed expectation (or remove the test).")
