"""Nothing untrusted is unpickled or evaluated: a scan of the package's own source."""

import ast
from pathlib import Path

import tlteach

SOURCES = sorted(Path(tlteach.__file__).parent.rglob("*.py"))


def calls(name: str):
    """(file, call) for every call of ``name`` (a function or ``module.attr``) in tlteach."""
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == name:
                yield path.name, node


def keyword(call: ast.Call, name: str):
    return next((ast.unparse(k.value) for k in call.keywords if k.arg == name), None)


def test_torch_load_always_weights_only():
    found = list(calls("torch.load"))
    assert found, "expected the checkpoint loaders to be found"
    assert all(keyword(call, "weights_only") == "True" for _, call in found)


def test_no_eval_exec_or_pickled_numpy():
    assert not list(calls("eval")) and not list(calls("exec"))
    assert all(keyword(call, "allow_pickle") in (None, "False") for _, call in calls("np.load"))


def test_pickle_only_after_a_hash_check_of_the_installed_package():
    found = [(path, call) for path, call in calls("pickle.load")]
    assert [path for path, _ in found] == ["sources.py"]
    source = (Path(tlteach.__file__).parent / "data" / "sources.py").read_text()
    assert source.index("check_sha256(path, sha)") < source.index("pickle.load(")
